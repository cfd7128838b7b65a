import { normalizeState, type ActuatorSpec, type StateValue } from './actuator';
import { categoryLevel, isCategory, type Category } from './category';
import type { SystemSpec } from './control-system';
import type { DenialReason } from './events';
import { selects } from './selector';
import type { PolicyEffect } from './policy-rule';

export interface CommandInput {
  readonly system: string;
  readonly target: string;
  readonly state: unknown;
  readonly category?: string;
  /** Lease in ms: the claim expires at `since + ttl`. */
  readonly ttl?: number;
}

export type ForbidEffect = Extract<PolicyEffect, { type: 'forbid' }>;

/** What the checks of SPEC.md §2 need to know; the engine answers from its tables. */
export interface AdmissionContext {
  system(id: string): SystemSpec | undefined;
  isQuarantined(system: string): boolean;
  actuator(id: string): ActuatorSpec | undefined;
  isStopped(): boolean;
  isLocked(target: string, system: string): boolean;
  /** Whether the actuator is among the system's `targets` (SPEC.md §1 selectors). */
  mayCommand(system: SystemSpec, actuator: ActuatorSpec): boolean;
  /** The `forbid` rules that hold now. */
  forbids(): Iterable<{ readonly rule: string; readonly effect: ForbidEffect }>;
}

export type Admission =
  | { readonly admitted: true; readonly state: StateValue; readonly category: Category; readonly rank: number }
  | { readonly admitted: false; readonly reason: DenialReason; readonly rule?: string };

const deny = (reason: DenialReason, rule?: string): Admission => ({ admitted: false, reason, rule });

/** Whether a forbid rule covers a claim or command of `system` on `target` (SPEC.md §6). */
export function forbidMatches(
  effect: ForbidEffect,
  system: string,
  target: ActuatorSpec,
  state: StateValue,
  category: Category,
): boolean {
  return (
    (effect.target === undefined || selects(effect.target, target)) &&
    (effect.state === undefined || effect.state === state) &&
    (effect.system === undefined || effect.system === system) &&
    categoryLevel(category) < categoryLevel(effect.below)
  );
}

/** SPEC.md §2: the checks in their order; the first that fails names the denial. Pure. */
export function admit(command: CommandInput, ctx: AdmissionContext): Admission {
  const system = ctx.system(command.system);
  if (!system) return deny('unknown-system');
  if (ctx.isQuarantined(system.id)) return deny('quarantined');
  const actuator = ctx.actuator(command.target);
  if (!actuator) return deny('unknown-target');
  const state = normalizeState(actuator, command.state);
  if (state === undefined) return deny('invalid-state');
  const category = command.category ?? system.category;
  if (!isCategory(category) || categoryLevel(category) > categoryLevel(system.category)) return deny('unauthorized');
  if (!ctx.mayCommand(system, actuator)) return deny('unauthorized');
  const belowLife = category !== 'life';
  if (belowLife && ctx.isStopped()) return deny('stopped');
  if (belowLife && ctx.isLocked(actuator.id, system.id)) return deny('locked');
  for (const { rule, effect } of ctx.forbids()) {
    if (forbidMatches(effect, system.id, actuator, state, category)) return deny('forbidden', rule);
  }
  return { admitted: true, state, category, rank: system.rank };
}
