import type { StateValue } from './actuator';
import type { Category } from './category';

/** `manual` claims come from a person at the device (SPEC.md §5); `policy:<rule>` from an asserting rule. */
export const MANUAL_CLAIMANT = 'manual';
export const POLICY_PREFIX = 'policy:';

export function isSystemClaimant(claimant: string): boolean {
  return claimant !== MANUAL_CLAIMANT && !claimant.startsWith(POLICY_PREFIX);
}

/** One per (claimant, actuator); a newer command from the same claimant replaces it (SPEC.md §1). */
export interface Claim {
  readonly claimant: string;
  readonly target: string;
  readonly state: StateValue;
  readonly category: Category;
  readonly rank: number;
  readonly manual: boolean;
  /** Time of the claimant's latest command on this target: the tie-breaker of SPEC.md §3. */
  readonly since: number;
  readonly expiresAt: number | null;
  /** Arrival order, so that claims recorded at the same instant still have a strict order. */
  readonly seq: number;
}
