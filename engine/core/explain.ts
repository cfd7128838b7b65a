import type { StateValue } from './actuator';
import { arbitrate, type WinReason } from './arbitrate';
import { categoryLevel } from './category';
import type { Claim } from './claim';
import { separatingRung } from './lattice';

export interface ClaimExplanation extends Claim {
  readonly verdict: 'winner' | 'deferred';
  /** A sentence: why this claim wins, or why it loses to the winner. */
  readonly reason: string;
}

export interface Explanation {
  readonly target: string;
  readonly state: StateValue | undefined;
  readonly desired: StateValue | undefined;
  readonly winner: string | null;
  readonly available: boolean;
  readonly claims: readonly ClaimExplanation[];
}

const WIN_SENTENCE: Record<WinReason, string> = {
  none: 'no live claim',
  sole: 'the only live claim',
  priority: 'the highest priority (category, then manual over automatic, then rank)',
  'tie-safe': 'tied, and its state is the safe state',
  'tie-incumbent': 'tied, and it was already winning',
  'tie-earliest': 'tied, and it is the earliest claim',
};

function whyLoses(claim: Claim, winner: Claim, reason: WinReason): string {
  switch (separatingRung(claim, winner)) {
    case 'category':
      return categoryLevel(claim.category) < categoryLevel(winner.category)
        ? `its category ${claim.category} is below ${winner.category}`
        : `its category ${claim.category} is above ${winner.category}`;
    case 'manual':
      return `an automatic claim loses to a manual one of the same category (${winner.claimant})`;
    case 'rank':
      return `rank ${claim.rank} is below ${winner.rank} in the same category`;
    case 'tie':
      if (reason === 'tie-safe') return `tied with ${winner.claimant}, whose state is the safe state`;
      if (reason === 'tie-incumbent') return `tied with ${winner.claimant}, which was already winning`;
      return `tied with ${winner.claimant}, which claimed earlier`;
  }
}

type ExplainedActuator = { spec: { id: string; safe?: StateValue }; state: StateValue | undefined; desired: StateValue | undefined; winner: string | null; available: boolean };

function verdictOf(claim: Claim, winner: Claim | undefined, reason: WinReason): ClaimExplanation {
  const wins = claim === winner;
  // Field by field, not a spread: this runs at every decision of a Node-RED system node, where V8's generic
  // object spread was most of its cost. A field added to Claim and missing here is a compile error.
  return {
    claimant: claim.claimant,
    target: claim.target,
    state: claim.state,
    category: claim.category,
    rank: claim.rank,
    manual: claim.manual,
    since: claim.since,
    expiresAt: claim.expiresAt,
    seq: claim.seq,
    verdict: wins ? 'winner' : 'deferred',
    reason: wins ? WIN_SENTENCE[reason] : winner ? whyLoses(claim, winner, reason) : 'no winner',
  };
}

/** "Who turned this on, and why did it win?" for one actuator (a pure function of its claims). */
export function explainActuator(rec: ExplainedActuator, claims: readonly Claim[]): Explanation {
  // The incumbent before the current winner was decided is the winner itself: re-running is stable.
  const { winner, reason } = arbitrate(claims, rec.winner, rec.spec.safe);
  return {
    target: rec.spec.id,
    state: rec.state,
    desired: rec.desired,
    winner: rec.winner,
    available: rec.available,
    claims: claims.map((claim) => verdictOf(claim, winner, reason)),
  };
}

/**
 * One claimant's part of `explainActuator`: what the decision log and a control system's badge ask at every
 * decision, without building the sentences of every other claim.
 */
export function explainClaim(rec: ExplainedActuator, claims: readonly Claim[], claimant: string): ClaimExplanation | undefined {
  const claim = claims.find((c) => c.claimant === claimant);
  if (!claim) return undefined;
  const { winner, reason } = arbitrate(claims, rec.winner, rec.spec.safe);
  return verdictOf(claim, winner, reason);
}
