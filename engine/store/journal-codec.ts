import type { Category } from '../core/category';
import type { Claim } from '../core/claim';
import type { ActuatorRow } from '../core/snapshot';
import type { StoreBatch } from './arbiter-store';

type ClaimTuple = [target: string, claimant: string, state: Claim['state'], category: Category, rank: number, manual: 0 | 1, since: number, expiresAt: number | null, seq: number];
type ActuatorTuple = [id: string, state: ActuatorRow['state'], desired: ActuatorRow['desired'], winner: string | null, available: 0 | 1, lastChangeAt: number | null];
/** Facts stay objects: a value may be undefined (a stale fact without a fail-safe value), which an array turns into null. */
type JournalRow = [claimsPut: ClaimTuple[], claimsDeleted: StoreBatch['claimsDeleted'], actuators: ActuatorTuple[], facts: StoreBatch['facts'], meta: StoreBatch['meta'] | null, at: number];

/**
 * A group commit as the journal keeps it: claims and actuator rows as arrays, not objects. Half the text of
 * `JSON.stringify(batch)`, so less to serialise on the engine's thread, to write and fsync, and to parse when it
 * is folded into the tables.
 */
export function encodeBatch(batch: StoreBatch): string {
  const row: JournalRow = [
    batch.claimsPut.map((c) => [c.target, c.claimant, c.state, c.category, c.rank, c.manual ? 1 : 0, c.since, c.expiresAt, c.seq]),
    batch.claimsDeleted,
    batch.actuators.map((a) => [a.id, a.state, a.desired, a.winner, a.available ? 1 : 0, a.lastChangeAt]),
    batch.facts,
    batch.meta ?? null,
    batch.at ?? 0,
  ];
  return JSON.stringify(row);
}

/** The batch back from the journal; a row written before this encoding (a `StoreBatch` object) is read as it is. */
export function decodeBatch(text: string): StoreBatch {
  const row = JSON.parse(text) as JournalRow | StoreBatch;
  if (!Array.isArray(row)) return row;
  const [claims, claimsDeleted, actuators, facts, meta, at] = row;
  return {
    claimsPut: claims.map(([target, claimant, state, category, rank, manual, since, expiresAt, seq]) => ({ target, claimant, state, category, rank, manual: manual === 1, since, expiresAt, seq })),
    claimsDeleted,
    actuators: actuators.map(([id, state, desired, winner, available, lastChangeAt]) => ({ id, state, desired, winner, available: available === 1, lastChangeAt })),
    facts,
    ...(meta ? { meta } : {}),
    at,
  };
}
