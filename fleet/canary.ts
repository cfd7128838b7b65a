import { createHash } from 'node:crypto';

/**
 * A home's place in a staged rollout, 0 to 99, from its id alone: the same homes are the first 10 % of every
 * rollout, and a rollout widened from 10 % to 50 % keeps the homes it already reached.
 */
export function canaryBucket(home: string): number {
  return createHash('sha256').update(home).digest().readUInt32BE(0) % 100;
}

/** Whether a bundle for `percent` % of the homes (all, when absent) is for this home. */
export function inCanary(home: string, percent: number | undefined): boolean {
  return percent === undefined || canaryBucket(home) < percent;
}
