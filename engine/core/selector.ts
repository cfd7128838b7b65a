import type { ActuatorSpec } from './actuator';

/**
 * SPEC.md §1 selectors: an actuator id, `kind:<kind>`, `zone:<zone>`, `tag:<tag>`, or `*`.
 * Anything with a colon must use one of the three prefixes, so that a typo such as `knd:window` is an error
 * rather than an id that silently matches nothing.
 */
export function selectorError(selector: unknown): string | undefined {
  if (typeof selector !== 'string' || selector.trim() === '') return 'must be a non-empty string';
  const colon = selector.indexOf(':');
  if (colon < 0) return undefined;
  const prefix = selector.slice(0, colon);
  if (!['kind', 'zone', 'tag'].includes(prefix)) return `unknown selector prefix "${prefix}:" (use kind:, zone:, tag:, an actuator id or *)`;
  if (selector.length === colon + 1) return `selector "${selector}" names no ${prefix}`;
  return undefined;
}

export function selects(selector: string, actuator: ActuatorSpec): boolean {
  if (selector === '*') return true;
  if (selector.startsWith('kind:')) return actuator.kind === selector.slice(5);
  if (selector.startsWith('zone:')) return actuator.zone === selector.slice(5);
  if (selector.startsWith('tag:')) return actuator.tags.includes(selector.slice(4));
  return actuator.id === selector;
}

export function selectsAny(selectors: readonly string[], actuator: ActuatorSpec): boolean {
  return selectors.some((s) => selects(s, actuator));
}
