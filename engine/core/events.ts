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

/** SPEC.md §6: why a control system's fact write was refused, in the order the checks run. */
export type FactDenialReason = Extract<DenialReason, 'unknown-system' | 'quarantined' | 'unauthorized'>;

/**
 * `store`: a commit failed and commands are refused until the store writes again; `clock-behind`: the server
 * started with the wall clock behind the store's high-water mark (issue 11); `lifetime-exceeded`: a device's
 * declared lifetime is used up (server/lifetime-monitor.ts).
 */
export type AlarmKind =
  | 'persistent-conflict'
  | 'flapping'
  | 'quarantine'
  | 'policy'
  | 'policy-loop'
  | 'undeliverable'
  | 'store'
  | 'clock-behind'
  | 'lifetime-exceeded';
/** Who set a fact (SPEC.md §6): a sensor and the operator may set any fact, a control system only its own. */
export type FactSource = 'sensor' | 'operator' | 'system';

/** Why a claim, lock or quarantine left the tables without a `release` of its own. */
export type ReleaseReason = 'release' | 'quarantine' | 'policy-ended' | 'unregistered' | 'invalid-on-restore';
export type OperatorAction = 'stop' | 'resume' | 'lock' | 'unlock' | 'release';

/** One finding of a diagnosis: a check at start-up, or the periodic read-back of an idle actuator. */
export interface DiagnosticResult {
  /** `adapter:<name>`, `actuator:<id>`, `store`, `secrets`, `clock`. */
  readonly subject: string;
  readonly ok: boolean;
  readonly message: string;
  /** Of a read-back: the device agrees, was changed by hand, or did not answer. */
  readonly outcome?: 'match' | 'manual' | 'degraded';
}

/**
 * The typed catalogue of everything the engine says, keyed by event type. `at` is engine time in ms.
 * The first nine and `released {reason: invalid-on-restore}` are SPEC.md's vocabulary; `claimed`, the other
 * `released`, `fact`, `operator` and `reverted` are ours, so that the decision log can answer "who asked for this" without
 * reconstructing it.
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
  /** A command refused (SPEC.md §2), or a control system's fact write refused (§6: `fact` instead of `target`). */
  denied:
    | { system: string; target: string; state: unknown; reason: DenialReason; rule?: string; fact?: never }
    | { system: string; fact: string; reason: FactDenialReason; target?: never; state?: never; rule?: never };
  /** `system` is the claimant whose lease ran out (a control system or `manual`). */
  expired: { system: string; target: string };
  revoked: { system: string; target: string; rule: string };
  /** `state` is the life state that cannot be delivered (`undeliverable`, SPEC.md §4). */
  alarm: { kind: AlarmKind; target?: string; systems?: string[]; system?: string; rule?: string; message?: string; state?: StateValue };
  degraded: { target?: string; fact?: string; reason?: string };
  /** `store`: the store writes again after a failure. */
  restored: { target?: string; fact?: string; store?: true };
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
  /**
   * A claim removed other than by its claimant's own `release` (`system` is the claimant, as in `expired`), or, with
   * `invalid-on-restore`, a restored claim, lock or quarantine that does not fit the configuration (SPEC.md §9):
   * `item` says which; a lock names its `target` or its `system`.
   */
  released: { system?: string; target?: string; reason: ReleaseReason; item: 'claim' | 'lock' | 'quarantine' };
  /** An accepted fact write: every one, with who made it (`by`: the system, for `source: system`). */
  fact: { name: string; value: unknown; source: FactSource; by?: string };
  operator: { action: OperatorAction; target?: string; system?: string };
  /**
   * A commit failed, so a command it carried is not in force: the claim is back to what the store holds (`state`
   * null: no claim), or with `operator` the stop flag, locks and quarantines are.
   */
  reverted: { claimant?: string; target?: string; state?: StateValue | null; operator?: true };
  /** Health, beside arbitration (engine/health/): a measure drifting past its threshold before a device fails. */
  'trend-warning': { subject: string; measure: string; value: number; baseline: number };
  diagnostics: { results: readonly DiagnosticResult[] };
}

export type EventType = keyof EventCatalogue;
/** Distributive, so that `ArbiterEventOf<'alarm' | 'conflict'>` narrows on `type`. */
export type ArbiterEventOf<K extends EventType> = K extends EventType ? { type: K; at: number } & EventCatalogue[K] : never;
export type ArbiterEvent = { [K in EventType]: ArbiterEventOf<K> }[EventType];

export const EVENT_TYPES: readonly EventType[] = [
  'dispatched', 'conflict', 'denied', 'expired', 'revoked', 'alarm', 'degraded', 'restored', 'manual',
  'claimed', 'released', 'fact', 'operator', 'reverted', 'trend-warning', 'diagnostics',
];
