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

/**
 * The state in the actuator's own terms, or undefined when it is not one of its states or outside its range.
 * Numeric actuators take numbers and numeric strings (HTTP and MQTT payloads are often strings).
 */
export function normalizeState(spec: ActuatorSpec, value: unknown): StateValue | undefined {
  if (spec.range) {
    const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
    return Number.isFinite(n) && n >= spec.range[0] && n <= spec.range[1] ? n : undefined;
  }
  if (typeof value !== 'string') return undefined;
  return spec.states?.includes(value) ? value : undefined;
}

export function sameState(a: StateValue | undefined, b: StateValue | undefined): boolean {
  return a === b;
}
