import { normalizeState, type ActuatorSpec, type StateValue } from '../engine/core/actuator';
import type { Category } from '../engine/core/category';
import { MANUAL_CLAIMANT, POLICY_PREFIX } from '../engine/core/claim';
import type { SystemSpec } from '../engine/core/control-system';
import type { PolicyRule } from '../engine/core/policy-rule';
import { selects, selectsAny } from '../engine/core/selector';

/** A claim some claimant can make on one actuator, at the highest priority it can claim it with. */
export interface Capability {
  /** A system id, `policy:<rule>` or `manual` (SPEC.md §1 "Claimant"). */
  readonly claimant: string;
  readonly category: Category;
  readonly rank: number;
  readonly manual: boolean;
  /** The state an `assert` claims; undefined for a system or a person, who may claim any state. */
  readonly state?: StateValue;
  /** The rule, for an `assert`. */
  readonly rule?: PolicyRule;
  /** The system, for a command. */
  readonly system?: SystemSpec;
}

/** States to claim an actuator with: its states, or the two ends of its range. */
export function claimableStates(actuator: ActuatorSpec): StateValue[] {
  if (actuator.range) return [...new Set(actuator.range)];
  return [...(actuator.states ?? [])];
}

/** Whether two claims on this actuator can ask for different states. */
export function canDiffer(actuator: ActuatorSpec, a: Capability, b: Capability): boolean {
  if (a.state !== undefined && b.state !== undefined) return a.state !== b.state;
  const fixed = a.state ?? b.state;
  const states = claimableStates(actuator);
  return fixed === undefined ? states.length > 1 : states.some((s) => s !== fixed);
}

/**
 * Who can claim each actuator (SPEC.md §1, §5, §6): a system whose targets select it, at its own category and
 * rank; an `assert` rule whose target selects it, in its state; a person at the device, unless `manual: false`.
 * `rules` are the asserts that can hold; the others never claim.
 */
export class ClaimCapabilities {
  private readonly byActuator = new Map<string /* actuator id */, Capability[]>();

  constructor(actuators: readonly ActuatorSpec[], systems: readonly SystemSpec[], rules: readonly PolicyRule[]) {
    for (const actuator of actuators) {
      const caps: Capability[] = [];
      for (const system of systems) {
        if (selectsAny(system.targets, actuator)) caps.push({ claimant: system.id, category: system.category, rank: system.rank, manual: false, system });
      }
      for (const rule of rules) {
        const effect = rule.effect;
        if (effect.type !== 'assert' || !selects(effect.target, actuator)) continue;
        const state = normalizeState(actuator, effect.state);
        if (state !== undefined) caps.push({ claimant: POLICY_PREFIX + rule.name, category: effect.category, rank: effect.rank, manual: false, state, rule });
      }
      if (actuator.manual !== false) caps.push({ claimant: MANUAL_CLAIMANT, category: actuator.manual.category, rank: 0, manual: true });
      this.byActuator.set(actuator.id, caps);
    }
  }

  on(actuator: string): readonly Capability[] {
    return this.byActuator.get(actuator) ?? [];
  }
}
