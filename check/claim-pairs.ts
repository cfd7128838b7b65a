import type { ActuatorSpec } from '../engine/core/actuator';
import { comparePriority } from '../engine/core/lattice';
import { canDiffer, type Capability, type ClaimCapabilities } from './claim-capabilities';

/** Two claimants that can claim different states on the same actuators, with their claims on each. */
export interface ClaimPair {
  /** Sorted claimant ids. */
  readonly claimants: readonly [string, string];
  /** Per actuator, the two claims in claimant order (a person's category may differ between actuators). */
  readonly on: Map<string /* actuator id */, readonly [Capability, Capability]>;
  /** SPEC.md §11: equal priority (category, manual flag, rank) is a `tie`; otherwise the lattice resolves it. */
  readonly kind: 'tie' | 'conflict';
}

/**
 * Every pair of claimants that can hold claims with different states on one actuator at the same time, one entry
 * per pair with all the actuators it concerns. `together` says whether the two claims can be live at once (their
 * rules hold together, no forbid denies the command).
 */
export function claimPairs(actuators: readonly ActuatorSpec[], capabilities: ClaimCapabilities, together: (actuator: ActuatorSpec, a: Capability, b: Capability) => boolean): ClaimPair[] {
  const pairs = new Map<string /* "a\nb" */, ClaimPair>();
  for (const actuator of actuators) {
    const caps = [...capabilities.on(actuator.id)].sort((x, y) => x.claimant.localeCompare(y.claimant));
    for (let i = 0; i < caps.length; i++) {
      for (let j = i + 1; j < caps.length; j++) {
        const [a, b] = [caps[i], caps[j]];
        if (!canDiffer(actuator, a, b)) continue;
        if (!together(actuator, a, b)) continue;
        const key = `${a.claimant}\n${b.claimant}`;
        let pair = pairs.get(key);
        if (!pair) pairs.set(key, (pair = { claimants: [a.claimant, b.claimant], on: new Map(), kind: comparePriority(a, b) === 0 ? 'tie' : 'conflict' }));
        pair.on.set(actuator.id, [a, b]);
      }
    }
  }
  return [...pairs.values()];
}
