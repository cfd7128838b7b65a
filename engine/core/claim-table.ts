import type { Claim } from './claim';

/** Every live claim, by actuator and by claimant, so that both "who claims T" and "what does S hold" are cheap. */
export class ClaimTable {
  private readonly byTarget = new Map<string /* actuator id */, Map<string /* claimant */, Claim>>();
  private readonly byClaimant = new Map<string /* claimant */, Set<string /* actuator id */>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(claimant: string, target: string): Claim | undefined {
    return this.byTarget.get(target)?.get(claimant);
  }

  /** Records the claim, replacing the claimant's previous one on that target; returns the replaced claim. */
  put(claim: Claim): Claim | undefined {
    let forTarget = this.byTarget.get(claim.target);
    if (!forTarget) this.byTarget.set(claim.target, (forTarget = new Map()));
    const previous = forTarget.get(claim.claimant);
    forTarget.set(claim.claimant, claim);
    if (!previous) {
      this.count++;
      let targets = this.byClaimant.get(claim.claimant);
      if (!targets) this.byClaimant.set(claim.claimant, (targets = new Set()));
      targets.add(claim.target);
    }
    return previous;
  }

  remove(claimant: string, target: string): Claim | undefined {
    const forTarget = this.byTarget.get(target);
    const claim = forTarget?.get(claimant);
    if (!forTarget || !claim) return undefined;
    forTarget.delete(claimant);
    if (forTarget.size === 0) this.byTarget.delete(target);
    const targets = this.byClaimant.get(claimant);
    targets?.delete(target);
    if (targets?.size === 0) this.byClaimant.delete(claimant);
    this.count--;
    return claim;
  }

  forTarget(target: string): Iterable<Claim> {
    return this.byTarget.get(target)?.values() ?? [];
  }

  targetsOf(claimant: string): string[] {
    return [...(this.byClaimant.get(claimant) ?? [])];
  }

  *all(): IterableIterator<Claim> {
    for (const forTarget of this.byTarget.values()) yield* forTarget.values();
  }
}
