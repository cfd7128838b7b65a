import type { Claim } from '../core/claim';
import type { FactRecord } from '../core/fact-table';
import type { ActuatorRow, CoreSnapshot } from '../core/snapshot';

/** One group commit: every row that changed since the previous one, written atomically. */
export interface StoreBatch {
  readonly claimsPut: readonly Claim[];
  readonly claimsDeleted: readonly (readonly [string /* target */, string /* claimant */])[];
  readonly actuators: readonly ActuatorRow[];
  readonly facts: readonly FactRecord[];
  readonly meta?: Pick<CoreSnapshot, 'quarantined' | 'lockedTargets' | 'lockedSystems' | 'stopped' | 'holding'>;
}

/** Where claims, facts, states, quarantines, locks and the stop flag live between restarts (SPEC.md §9). */
export interface ArbiterStore {
  load(): CoreSnapshot;
  /** Durable when it returns: an accepted command is acknowledged only after this. */
  write(batch: StoreBatch): void;
  close(): void;
}
