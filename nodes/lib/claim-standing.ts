import { skip, Subscription } from 'rxjs';
import type { Arbiter, ArbiterEvent, StateValue } from '../../engine';

/** Where a control system's claim on one actuator stands (SPEC.md §3), or how it ended. */
export type Standing =
  | { readonly outcome: 'winning' }
  | { readonly outcome: 'deferred'; readonly winner: string; readonly reason: string }
  | { readonly outcome: 'expired' }
  | { readonly outcome: 'revoked'; readonly rule: string }
  /** Removed by the engine, not by the system: quarantine, a rule that stopped holding, a restore check. */
  | { readonly outcome: 'released'; readonly reason: string };

export interface StandingChange {
  readonly target: string;
  readonly state: StateValue;
  readonly standing: Standing;
}

interface Tracked {
  state: StateValue;
  standing: Standing;
  readonly view: Subscription;
}

/** The standing of `system`'s claim on `target` now, with the reason a deferred claim waits (the page's words). */
export function standingOf(arbiter: Arbiter, system: string, target: string): Standing | undefined {
  const claim = arbiter.explainClaim(target, system);
  if (!claim) return undefined;
  return claim.verdict === 'winner' ? { outcome: 'winning' } : { outcome: 'deferred', winner: arbiter.view(target)?.owner ?? '', reason: claim.reason };
}

const same = (a: Standing, b: Standing) => JSON.stringify(a) === JSON.stringify(b);

/**
 * A control system's claims and where each stands, for its `arbiter-system` node. The node's own command sets a
 * claim's standing (its answer says it); what changes it afterwards is reported once through `changed`: the
 * winner releasing or expiring (the deferred claim now wins), a higher claim arriving, the lease running out, a
 * rule revoking the claim, the engine removing it.
 */
export class ClaimStanding {
  private readonly claims = new Map<string /* target */, Tracked>();

  constructor(
    private readonly arbiter: Arbiter,
    private readonly system: string,
    private readonly changed: (change: StandingChange) => void,
  ) {}

  /** Follows the claims the engine holds for the system (restored ones too) and those it makes from now on. */
  start(): Subscription {
    const subscription = this.arbiter.events$.subscribe((e) => this.onEvent(e));
    for (const target of this.arbiter.tables.actuatorIds()) {
      const claim = this.arbiter.tables.claim(this.system, target);
      if (claim) this.track(target, claim.state);
    }
    subscription.add(() => {
      for (const tracked of this.claims.values()) tracked.view.unsubscribe();
      this.claims.clear();
    });
    return subscription;
  }

  /** The system released its claim itself (SPEC.md §2: the engine says nothing then). */
  forget(target: string): void {
    this.claims.get(target)?.view.unsubscribe();
    this.claims.delete(target);
  }

  private onEvent(e: ArbiterEvent): void {
    if (e.type === 'claimed' && e.claimant === this.system) this.track(e.target, e.state);
    else if (e.type === 'expired' && e.system === this.system) this.end(e.target, { outcome: 'expired' });
    else if (e.type === 'revoked' && e.system === this.system) this.end(e.target, { outcome: 'revoked', rule: e.rule });
    else if (e.type === 'released' && e.item === 'claim' && e.system === this.system && e.target) this.end(e.target, { outcome: 'released', reason: e.reason });
  }

  /** A claim made or replaced: its standing now is what the command's answer says, so nothing is reported. */
  private track(target: string, state: StateValue): void {
    const standing = standingOf(this.arbiter, this.system, target);
    if (!standing) return;
    const tracked = this.claims.get(target);
    if (tracked) {
      tracked.state = state;
      tracked.standing = standing;
      return;
    }
    // The view changes with the owner: the moment a deferred claim can start winning, or lose again.
    const view = this.arbiter
      .actuator$(target)
      .pipe(skip(1))
      .subscribe(() => this.recheck(target));
    this.claims.set(target, { state, standing, view });
  }

  private recheck(target: string): void {
    const tracked = this.claims.get(target);
    const standing = standingOf(this.arbiter, this.system, target);
    // No claim any more: its `expired`, `revoked` or `released` event says how it ended.
    if (!tracked || !standing || same(standing, tracked.standing)) return;
    tracked.standing = standing;
    this.changed({ target, state: tracked.state, standing });
  }

  private end(target: string, standing: Standing): void {
    const tracked = this.claims.get(target);
    if (!tracked) return;
    this.forget(target);
    this.changed({ target, state: tracked.state, standing });
  }
}
