import type { ActuatorSpec } from '../engine/core/actuator';
import { comparePriority } from '../engine/core/lattice';
import { canDiffer, type Capability, type ClaimCapabilities } from './claim-capabilities';
import { finding, type Finding } from './finding';
import { describeClaim, listed } from './finding-text';

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

/** SPEC.md §11 `tie` or `conflict` for a pair: who claims what, and where the lattice lets whom win. */
export function pairFinding(pair: ClaimPair): Finding {
  const entries = [...pair.on.entries()];
  const rules = entries[0][1].flatMap((c) => (c.rule ? [c.rule.name] : []));
  const targets = entries.map(([id]) => id);
  if (pair.kind === 'tie') {
    const [a, b] = entries[0][1];
    return finding('tie', {
      targets,
      claimants: pair.claimants,
      rules,
      message: `${describeClaim(a)} and ${describeClaim(b)} can claim different states on ${listed(targets)} at the same priority: only the tie rules decide (the safe state, then the claim already winning, then the earliest)`,
    });
  }
  // A person's category is per actuator: say who wins where.
  const clauses = new Map<string, string[]>();
  for (const [id, [a, b]] of entries) {
    const [winner, loser] = comparePriority(a, b) > 0 ? [a, b] : [b, a];
    const clause = `${describeClaim(winner)} wins over ${describeClaim(loser)}`;
    clauses.set(clause, [...(clauses.get(clause) ?? []), id]);
  }
  return finding('conflict', { targets, claimants: pair.claimants, rules, message: [...clauses].map(([clause, ids]) => `${clause} on ${listed(ids)}`).join('; ') });
}
