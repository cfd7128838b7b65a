import type { StateValue } from './actuator';
import type { Claim } from './claim';
import type { FactRecord } from './fact-table';

export interface ActuatorRow {
  readonly id: string;
  readonly state: StateValue | null;
  readonly desired: StateValue | null;
  readonly winner: string | null;
  readonly available: boolean;
  readonly lastChangeAt: number | null;
}

/** Everything SPEC.md §9 says survives a restart, plus the rules that held (so a restart re-raises nothing). */
export interface CoreSnapshot {
  readonly claims: readonly Claim[];
  readonly actuators: readonly ActuatorRow[];
  readonly facts: readonly FactRecord[];
  readonly quarantined: readonly string[];
  readonly lockedTargets: readonly string[];
  readonly lockedSystems: readonly string[];
  readonly stopped: boolean;
  readonly holding: readonly string[];
}

export const EMPTY_SNAPSHOT: CoreSnapshot = {
  claims: [],
  actuators: [],
  facts: [],
  quarantined: [],
  lockedTargets: [],
  lockedSystems: [],
  stopped: false,
  holding: [],
};
