import type { CoreSnapshot } from '../engine/core/snapshot';
import type { StoreBatch } from '../engine/store/arbiter-store';

/**
 * One message of a home's claim stream: the group commits of the active node (in commit order), or a snapshot
 * of its whole store. A snapshot is published when a node takes the lease (it doubles as the new epoch's
 * marker) and every `SNAPSHOT_EVERY` messages, after which the stream is purged below it.
 */
export interface ClaimMessage {
  readonly epoch: number;
  readonly node: string;
  readonly batches?: readonly StoreBatch[];
  readonly snapshot?: CoreSnapshot;
}

export const SNAPSHOT_EVERY = 1_000;

export const claimStream = (home: string) => `ARBITER_CLAIMS_${home}`;
export const batchSubject = (home: string) => `arbiter.${home}.claims`;
export const snapshotSubject = (home: string) => `arbiter.${home}.snapshot`;

/** The batch that turns a store holding `current` into one holding exactly `snapshot`. */
export function resetBatch(current: CoreSnapshot, snapshot: CoreSnapshot): StoreBatch {
  const kept = new Set(snapshot.claims.map((c) => `${c.target}\u0000${c.claimant}`));
  return {
    claimsPut: snapshot.claims,
    claimsDeleted: current.claims.filter((c) => !kept.has(`${c.target}\u0000${c.claimant}`)).map((c) => [c.target, c.claimant] as const),
    actuators: snapshot.actuators,
    facts: snapshot.facts,
    meta: { quarantined: snapshot.quarantined, lockedTargets: snapshot.lockedTargets, lockedSystems: snapshot.lockedSystems, stopped: snapshot.stopped, holding: snapshot.holding },
  };
}
