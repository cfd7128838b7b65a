import type { Category } from './category';

export type StateValue = string | number;

/** Where a person at the switch is treated as a claimant (SPEC.md §5). */
export interface ManualPolicy {
  readonly category: Category;
  readonly ttl: number;
}

export interface ActuatorSpec {
  readonly id: string;
  readonly kind: string;
  /** Allowed discrete states; absent for numeric actuators. */
  readonly states?: readonly string[];
  readonly range?: readonly [number, number];
  readonly initial?: StateValue;
  readonly safe?: StateValue;
  readonly default?: StateValue;
  readonly zone?: string;
  readonly tags: readonly string[];
  readonly minHold: number;
  readonly manual: ManualPolicy | false;
}

/** SPEC.md §1: the states a kind has when `states` is not given. */
export const KIND_STATES: Readonly<Record<string, readonly string[]>> = {
  window: ['open', 'closed'],
  shutter: ['open', 'closed'],
  blind: ['open', 'closed'],
  valve: ['open', 'closed'],
  lock: ['locked', 'unlocked'],
  switch: ['on', 'off'],
  light: ['on', 'off'],
  ac: ['on', 'off'],
  av: ['on', 'off'],
};

export const DEFAULT_MANUAL: ManualPolicy = { category: 'comfort', ttl: 3_600_000 };

/** SPEC.md §1: optional minus, digits, optional fraction; nothing else (no hex, exponent or spaces). */
const DECIMAL_NUMERAL = /^-?[0-9]+(\.[0-9]+)?$/;

/**
 * A number, or a string that is a plain decimal numeral (HTTP and MQTT payloads often carry numbers as text);
 * undefined for anything else, so that `"0x14"`, `"2e1"` or `" 22 "` never move a set-point.
 */
export function numericState(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  return typeof value === 'string' && DECIMAL_NUMERAL.test(value) ? Number(value) : undefined;
}

/** The state in the actuator's own terms, or undefined when it is not one of its states or outside its range. */
export function normalizeState(spec: ActuatorSpec, value: unknown): StateValue | undefined {
  if (spec.range) {
    const n = numericState(value);
    return n !== undefined && n >= spec.range[0] && n <= spec.range[1] ? n : undefined;
  }
  if (typeof value !== 'string') return undefined;
  return spec.states?.includes(value) ? value : undefined;
}

export function sameState(a: StateValue | undefined, b: StateValue | undefined): boolean {
  return a === b;
}
