export interface TakenChanges {
  readonly claims: readonly (readonly [string /* target */, string /* claimant */])[];
  readonly actuators: readonly string[];
  readonly facts: readonly string[];
  readonly meta: boolean;
}

/**
 * What changed since the store last wrote: keys only, the writer reads the current values, so that a claim
 * replaced ten times in one batch is written once.
 */
export class ChangeTracker {
  private claimKeys = new Map<string /* target */, Set<string /* claimant */>>();
  private actuatorIds = new Set<string>();
  private factNames = new Set<string>();
  private metaChanged = false;

  claim(target: string, claimant: string): void {
    const claimants = this.claimKeys.get(target);
    if (claimants) claimants.add(claimant);
    else this.claimKeys.set(target, new Set([claimant]));
  }

  actuator(id: string): void {
    this.actuatorIds.add(id);
  }

  fact(name: string): void {
    this.factNames.add(name);
  }

  meta(): void {
    this.metaChanged = true;
  }

  get empty(): boolean {
    return this.claimKeys.size === 0 && this.actuatorIds.size === 0 && this.factNames.size === 0 && !this.metaChanged;
  }

  /** Hands over the keys gathered so far and starts afresh. */
  take(): TakenChanges {
    const claims: (readonly [string, string])[] = [];
    for (const [target, claimants] of this.claimKeys) for (const claimant of claimants) claims.push([target, claimant]);
    const taken = { claims, actuators: [...this.actuatorIds], facts: [...this.factNames], meta: this.metaChanged };
    this.claimKeys = new Map();
    this.actuatorIds = new Set();
    this.factNames = new Set();
    this.metaChanged = false;
    return taken;
  }

  /** Keys taken for a write that failed: they are written with the next one. */
  putBack(taken: TakenChanges): void {
    for (const [target, claimant] of taken.claims) this.claim(target, claimant);
    for (const id of taken.actuators) this.actuator(id);
    for (const name of taken.facts) this.fact(name);
    if (taken.meta) this.meta();
  }
}
