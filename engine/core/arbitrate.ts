import type { StateValue } from './actuator';
import type { Claim } from './claim';
import { comparePriority } from './lattice';

/**
 * Why the winner won (SPEC.md §3): the only live claim, the highest priority, or one of the three tie rules
 * (the safe state, the incumbent, the earliest claim).
 */
export type WinReason = 'none' | 'sole' | 'priority' | 'tie-safe' | 'tie-incumbent' | 'tie-earliest';

export interface Arbitration {
  readonly winner: Claim | undefined;
  readonly reason: WinReason;
}

const NO_CLAIM: Arbitration = { winner: undefined, reason: 'none' };

function earliest(claims: readonly Claim[]): Claim {
  let best = claims[0];
  for (const c of claims) if (c.since < best.since || (c.since === best.since && c.seq < best.seq)) best = c;
  return best;
}

/**
 * The winner among one actuator's live claims. Pure: the same claims, incumbent and safe state always give
 * the same answer, so replay, tests and the running server agree.
 */
export function arbitrate(claims: Iterable<Claim>, incumbent: string | null, safe: StateValue | undefined): Arbitration {
  // One pass; the list of tied claims is allocated only when there is a tie.
  let best: Claim | undefined;
  let top: Claim[] | undefined;
  let count = 0;
  for (const claim of claims) {
    count++;
    const cmp = best === undefined ? 1 : comparePriority(claim, best);
    if (cmp > 0) {
      best = claim;
      top = undefined;
    } else if (cmp === 0) (top ??= [best!]).push(claim);
  }
  if (best === undefined) return NO_CLAIM;
  if (top === undefined) return { winner: best, reason: count === 1 ? 'sole' : 'priority' };

  const statesDiffer = top.some((c) => c.state !== top[0].state);
  if (statesDiffer && safe !== undefined) {
    const inSafe = top.filter((c) => c.state === safe);
    if (inSafe.length > 0) {
      const holder = inSafe.find((c) => c.claimant === incumbent);
      return { winner: holder ?? earliest(inSafe), reason: 'tie-safe' };
    }
  }
  const holder = top.find((c) => c.claimant === incumbent);
  if (holder) return { winner: holder, reason: 'tie-incumbent' };
  return { winner: earliest(top), reason: 'tie-earliest' };
}
