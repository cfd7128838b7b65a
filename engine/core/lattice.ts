import { categoryLevel } from './category';
import type { Claim } from './claim';

/** Which rung of the lattice separates two claims (SPEC.md §1 "Priority"). */
export type PriorityRung = 'category' | 'manual' | 'rank' | 'tie';

type Ranked = Pick<Claim, 'category' | 'manual' | 'rank'>;

/**
 * Category first, then a manual claim over an automatic one of the same category, then rank.
 * Positive when `a` is the higher claim, negative when `b` is, 0 for a tie.
 */
export function comparePriority(a: Ranked, b: Ranked): number {
  const byCategory = categoryLevel(a.category) - categoryLevel(b.category);
  if (byCategory !== 0) return byCategory;
  if (a.manual !== b.manual) return a.manual ? 1 : -1;
  return a.rank - b.rank;
}

export function separatingRung(a: Ranked, b: Ranked): PriorityRung {
  if (a.category !== b.category) return 'category';
  if (a.manual !== b.manual) return 'manual';
  if (a.rank !== b.rank) return 'rank';
  return 'tie';
}
