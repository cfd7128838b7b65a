import { normalizeState, type ActuatorSpec, type StateValue } from './actuator';
import type { ActuatorRow } from './snapshot';

/** What the engine knows of one actuator between inputs. */
export interface ActuatorRecord {
  readonly spec: ActuatorSpec;
  /** Last state the device confirmed or reported (SPEC.md §4). */
  state: StateValue | undefined;
  desired: StateValue | undefined;
  winner: string | null;
  available: boolean;
  /** Dispatched and not yet confirmed: not dispatched again meanwhile. */
  inFlight: StateValue | undefined;
  /** A dispatch that failed (timed out, refused): a late report of this state is its confirmation. */
  unconfirmed: StateValue | undefined;
  /** Time of the last dispatched change, for minHold. */
  lastChangeAt: number | null;
  /** When a held change is due, so that repeated commands during the hold schedule it once. */
  holdAt: number | null;
  /** The life state last reported undeliverable while the device is unavailable (SPEC.md §4: once per state). */
  undeliverable: StateValue | undefined;
}

/** At first start the desired state is `default` where declared, else the initial state: nothing to dispatch. */
export function newActuatorRecord(spec: ActuatorSpec): ActuatorRecord {
  return {
    spec,
    state: spec.initial,
    desired: spec.default ?? spec.initial,
    winner: null,
    available: true,
    inFlight: undefined,
    unconfirmed: undefined,
    lastChangeAt: null,
    holdAt: null,
    undeliverable: undefined,
  };
}

/** The part that survives a restart (SPEC.md §9). */
export function actuatorRow(rec: ActuatorRecord): ActuatorRow {
  return { id: rec.spec.id, state: rec.state ?? null, desired: rec.desired ?? null, winner: rec.winner, available: rec.available, lastChangeAt: rec.lastChangeAt };
}

/**
 * A stored row, checked against the configuration (SPEC.md §9): a state or desired state that is not one of the
 * actuator's states is not trusted (the state becomes unknown, the desired state the state), so it is never
 * dispatched.
 */
export function restoreActuator(rec: ActuatorRecord, row: ActuatorRow): void {
  rec.state = row.state === null ? undefined : normalizeState(rec.spec, row.state);
  rec.desired = row.desired === null ? undefined : (normalizeState(rec.spec, row.desired) ?? rec.state);
  rec.winner = row.winner;
  rec.available = row.available;
  rec.lastChangeAt = row.lastChangeAt;
}
