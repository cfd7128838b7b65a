import type { CoreConfig } from '../engine/core/arbiter-core';
import type { Category } from '../engine/core/category';
import type { LoggedEvent } from '../server/decision-log';

const SAFETY_CATEGORIES: ReadonlySet<Category> = new Set(['life', 'property']);

/** The category a claimant (SPEC.md: a system id, `policy:<rule>` or `manual`) claims with on this actuator. */
function claimantCategory(config: CoreConfig, claimant: string, target: string | undefined): Category | undefined {
  if (claimant === 'manual') {
    const manual = config.actuators.find((a) => a.id === target)?.manual;
    return manual ? manual.category : undefined;
  }
  if (claimant.startsWith('policy:')) {
    const effect = config.policies.find((r) => r.name === claimant.slice('policy:'.length))?.effect;
    return effect?.type === 'assert' ? effect.category : undefined;
  }
  return config.systems.find((s) => s.id === claimant)?.category;
}

/**
 * The alarms a bundle's probation counts (issue 15): a life winner that cannot be delivered, a persistent
 * conflict in which a life or property claimant takes part, a policy loop, a quarantine. Flapping and policy
 * notifications are not safety alarms.
 */
export function isSafetyAlarm(event: LoggedEvent, config: CoreConfig): boolean {
  if (event.type !== 'alarm') return false;
  switch (event.kind) {
    case 'undeliverable':
    case 'policy-loop':
    case 'quarantine':
      return true;
    case 'persistent-conflict': {
      const target = typeof event.target === 'string' ? event.target : undefined;
      const systems = Array.isArray(event.systems) ? (event.systems as unknown[]).filter((s): s is string => typeof s === 'string') : [];
      return systems.some((s) => SAFETY_CATEGORIES.has(claimantCategory(config, s, target)!));
    }
    default:
      return false;
  }
}

/** `persistent-conflict on front.lock`, `quarantine of media`: an alarm in a rollback's reason. */
export function alarmLabel(event: LoggedEvent): string {
  const subject = event.target ?? event.system ?? event.rule;
  return `${String(event.kind)}${subject ? ` on ${String(subject)}` : ''}`;
}
