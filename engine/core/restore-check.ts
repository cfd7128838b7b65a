import { normalizeState, type ActuatorSpec } from './actuator';
import { categoryLevel, isCategory } from './category';
import { MANUAL_CLAIMANT, POLICY_PREFIX, type Claim } from './claim';
import type { SystemSpec } from './control-system';
import type { EventCatalogue } from './events';
import type { CoreSnapshot } from './snapshot';
import type { PolicyRule } from './policy-rule';

/** The configuration a restart starts with, as the check needs it. */
export interface RestoreContext {
  actuator(id: string): ActuatorSpec | undefined;
  system(id: string): SystemSpec | undefined;
  /** Whether the actuator is among the system's `targets`. */
  mayCommand(system: SystemSpec, actuator: ActuatorSpec): boolean;
  rule(name: string): PolicyRule | undefined;
  /** Whether the rule's `target` selects the actuator. */
  ruleTargets(rule: string, actuator: ActuatorSpec): boolean;
}

export type Dropped = EventCatalogue['released'];

export interface CheckedSnapshot {
  readonly snapshot: CoreSnapshot;
  /** What did not fit, in the order found, each as the `released {reason: invalid-on-restore}` it becomes. */
  readonly dropped: readonly Dropped[];
}

/**
 * SPEC.md §9: what a restart restores is checked against the configuration, never trusted blindly. A claim
 * must be one its claimant could make today: a configured system within its category, targets and rank, a
 * configured asserting rule's own claim, or a manual claim where the actuator records manual changes; its state
 * one of the actuator's. Locks and quarantines must name configured systems and actuators. Pure.
 */
export function checkRestored(snapshot: CoreSnapshot, ctx: RestoreContext): CheckedSnapshot {
  const dropped: Dropped[] = [];
  const keep = <T>(list: readonly T[], fits: (t: T) => boolean, droppedAs: (t: T) => Omit<Dropped, 'reason'>): T[] => {
    const kept: T[] = [];
    for (const t of list) {
      if (fits(t)) kept.push(t);
      else dropped.push({ ...droppedAs(t), reason: 'invalid-on-restore' });
    }
    return kept;
  };
  const claims = keep(snapshot.claims, (c) => claimFits(c, ctx), (c) => ({ system: c.claimant, target: c.target, item: 'claim' }));
  // A configured rule whose claim was dropped must not count as holding, or it would never claim again.
  const unclaimed = new Set(dropped.flatMap((d) => (d.system?.startsWith(POLICY_PREFIX) ? [d.system.slice(POLICY_PREFIX.length)] : [])));
  const known = (list: readonly string[], exists: (id: string) => unknown, item: Dropped['item'], field: 'system' | 'target') =>
    keep(list, (id) => !!exists(id), (id) => ({ [field]: id, item }));
  return {
    snapshot: {
      ...snapshot,
      claims,
      quarantined: known(snapshot.quarantined, ctx.system, 'quarantine', 'system'),
      lockedTargets: known(snapshot.lockedTargets, ctx.actuator, 'lock', 'target'),
      lockedSystems: known(snapshot.lockedSystems, ctx.system, 'lock', 'system'),
      holding: snapshot.holding.filter((rule) => !unclaimed.has(rule)),
    },
    dropped,
  };
}

function claimFits(claim: Claim, ctx: RestoreContext): boolean {
  const actuator = ctx.actuator(claim.target);
  if (!actuator || normalizeState(actuator, claim.state) !== claim.state || !isCategory(claim.category)) return false;
  if (claim.claimant === MANUAL_CLAIMANT) {
    return claim.manual === true && actuator.manual !== false && categoryLevel(claim.category) <= categoryLevel(actuator.manual.category);
  }
  if (claim.manual !== false) return false;
  if (claim.claimant.startsWith(POLICY_PREFIX)) {
    const name = claim.claimant.slice(POLICY_PREFIX.length);
    const effect = ctx.rule(name)?.effect;
    return (
      effect?.type === 'assert' &&
      ctx.ruleTargets(name, actuator) &&
      normalizeState(actuator, effect.state) === claim.state &&
      effect.category === claim.category &&
      effect.rank === claim.rank
    );
  }
  const system = ctx.system(claim.claimant);
  return !!system && categoryLevel(claim.category) <= categoryLevel(system.category) && claim.rank === system.rank && ctx.mayCommand(system, actuator);
}
