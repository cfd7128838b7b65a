import type { Claim } from '../core/claim';
import type { FactRecord } from '../core/fact-table';
import { EMPTY_SNAPSHOT, type ActuatorRow, type CoreSnapshot } from '../core/snapshot';
import type { ArbiterStore, StoreBatch } from './arbiter-store';

/** For unit tests and benchmarks: survives an engine restart within the process, nothing more. */
export class MemoryStore implements ArbiterStore {
  private readonly claims = new Map<string, Claim>();
  private readonly actuators = new Map<string, ActuatorRow>();
  private readonly facts = new Map<string, FactRecord>();
  private meta: StoreBatch['meta'] = undefined;

  load(): CoreSnapshot {
    return {
      ...EMPTY_SNAPSHOT,
      ...this.meta,
      claims: [...this.claims.values()],
      actuators: [...this.actuators.values()],
      facts: [...this.facts.values()],
    };
  }

  write(batch: StoreBatch): void {
    for (const [target, claimant] of batch.claimsDeleted) this.claims.delete(`${target}\u0000${claimant}`);
    for (const claim of batch.claimsPut) this.claims.set(`${claim.target}\u0000${claim.claimant}`, claim);
    for (const row of batch.actuators) this.actuators.set(row.id, row);
    for (const fact of batch.facts) this.facts.set(fact.name, fact);
    if (batch.meta) this.meta = batch.meta;
  }

  close(): void {}
}
