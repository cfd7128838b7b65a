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
  /** Engine time of the commit: the store keeps the highest as its wall-clock high-water mark. */
  readonly at?: number;
}

/**
 * Where claims, facts, states, quarantines, locks and the stop flag live between restarts (SPEC.md §9). A store
 * answers synchronously (memory, SQLite on the event loop) or with a promise (SQLite on its own thread).
 */
export interface ArbiterStore {
  load(): CoreSnapshot | Promise<CoreSnapshot>;
  /**
   * Durable when it returns or its promise resolves: an accepted command is acknowledged only after this. A throw
   * or a rejection means nothing of the batch is stored.
   */
  write(batch: StoreBatch): void | Promise<void>;
  close(): void | Promise<void>;
}

/** A store write failed (disk full, I/O error): what it carried is not durable. */
export class StoreUnavailableError extends Error {
  readonly code = 'STORE_UNAVAILABLE';
  constructor(operation: string, reason: string) {
    super(`${operation}: the store cannot write (${reason}); nothing was changed`);
  }
}
