import type { Claim } from '../core/claim';
import type { FactRecord } from '../core/fact-table';
import { EMPTY_SNAPSHOT, type ActuatorRow, type CoreSnapshot } from '../core/snapshot';
import type { ArbiterStore, StoreBatch } from './arbiter-store';

/** For unit tests and benchmarks: survives an engine restart within the process, nothing more. */
export class MemoryStore implements ArbiterStore {
  private readonly claims = new Map<string /* target */, Map<string /* claimant */, Claim>>();
  private readonly actuators = new Map<string, ActuatorRow>();
  private readonly facts = new Map<string, FactRecord>();
  private meta: StoreBatch['meta'] = undefined;

  load(): CoreSnapshot {
    return {
      ...EMPTY_SNAPSHOT,
      ...this.meta,
      claims: [...this.claims.values()].flatMap((byClaimant) => [...byClaimant.values()]),
      actuators: [...this.actuators.values()],
      facts: [...this.facts.values()],
    };
  }

  write(batch: StoreBatch): void {
    for (const [target, claimant] of batch.claimsDeleted) this.claims.get(target)?.delete(claimant);
    for (const claim of batch.claimsPut) {
      const byClaimant = this.claims.get(claim.target);
      if (byClaimant) byClaimant.set(claim.claimant, claim);
      else this.claims.set(claim.target, new Map([[claim.claimant, claim]]));
    }
    for (const row of batch.actuators) this.actuators.set(row.id, row);
    for (const fact of batch.facts) this.facts.set(fact.name, fact);
    if (batch.meta) this.meta = batch.meta;
  }

  close(): void {}
}
