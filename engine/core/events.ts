import type { StateValue } from './actuator';
import type { Category } from './category';

/** SPEC.md §2 denial reasons, in the order the checks run. */
export type DenialReason =
  | 'unknown-system'
  | 'quarantined'
  | 'unknown-target'
  | 'invalid-state'
  | 'unauthorized'
  | 'stopped'
  | 'locked'
  | 'forbidden';

export type AlarmKind = 'persistent-conflict' | 'flapping' | 'quarantine' | 'policy' | 'policy-loop';
export type OperatorAction = 'stop' | 'resume' | 'lock' | 'unlock' | 'release';

/**
 * The typed catalogue of everything the engine says, keyed by event type. `at` is engine time in ms.
 * The first nine are SPEC.md's vocabulary; `claimed`, `released` and `operator` are ours, so that the decision
 * log can answer "who asked for this" without reconstructing it.
 */
export interface EventCatalogue {
  dispatched: { target: string; state: StateValue; by: string };
  conflict: {
    target: string;
    winner: string;
    loser: string;
    winnerState: StateValue;
    loserState: StateValue;
    resolution: 'priority' | 'tie';
  };
  denied: { system: string; target: string; state: unknown; reason: DenialReason; rule?: string };
  /** `system` is the claimant whose lease ran out (a control system or `manual`). */
  expired: { system: string; target: string };
  revoked: { system: string; target: string; rule: string };
  alarm: { kind: AlarmKind; target?: string; systems?: string[]; system?: string; rule?: string; message?: string };
  degraded: { target?: string; fact?: string; reason?: string };
  restored: { target?: string; fact?: string };
  manual: { target: string; state: StateValue };
  claimed: {
    claimant: string;
    target: string;
    state: StateValue;
    category: Category;
    rank: number;
    manual: boolean;
    expiresAt: number | null;
    outcome: 'winning' | 'deferred';
  };
  released: { claimant: string; target: string; cause: 'release' | 'quarantine' | 'policy-ended' | 'unregistered' };
  operator: { action: OperatorAction; target?: string; system?: string };
}

export type EventType = keyof EventCatalogue;
/** Distributive, so that `ArbiterEventOf<'alarm' | 'conflict'>` narrows on `type`. */
export type ArbiterEventOf<K extends EventType> = K extends EventType ? { type: K; at: number } & EventCatalogue[K] : never;
export type ArbiterEvent = { [K in EventType]: ArbiterEventOf<K> }[EventType];

export const EVENT_TYPES: readonly EventType[] = [
  'dispatched', 'conflict', 'denied', 'expired', 'revoked', 'alarm', 'degraded', 'restored', 'manual',
  'claimed', 'released', 'operator',
];
