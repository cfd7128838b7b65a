import type { ActuatorSpec } from '../engine/core/actuator';
import { ACTUATOR_FACT_PREFIX, type PolicyRule } from '../engine/core/policy-rule';
import { selects } from '../engine/core/selector';
import { finding, type Finding } from './finding';
import { listed } from './finding-text';

/** Rules that reach each other through `actuator:<id>` facts: the only way a cascade can fail to settle (SPEC.md §6). */
export interface RuleCycle {
  readonly rules: readonly string[];
  /** The actuators through which they reach each other: asserted by one, read by another. */
  readonly actuators: readonly string[];
}

/**
 * The strongly connected groups (Tarjan) of the graph "rule A asserts on an actuator whose fact rule B reads",
 * keeping those with a cycle. Only asserts change desired states without a command: a forbid only revokes, and a
 * revoked claim does not come back by itself.
 */
export function ruleCycles(rules: readonly PolicyRule[], actuators: readonly ActuatorSpec[]): RuleCycle[] {
  const asserts = rules.filter((r) => r.effect.type === 'assert');
  const writes = new Map(asserts.map((r) => [r.name, new Set(actuators.filter((a) => selects((r.effect as { target: string }).target, a)).map((a) => a.id))]));
  const reads = new Map(asserts.map((r) => [r.name, new Set(r.facts.filter((f) => f.startsWith(ACTUATOR_FACT_PREFIX)).map((f) => f.slice(ACTUATOR_FACT_PREFIX.length)))]));
  const readers = new Map<string /* actuator id */, string[]>();
  for (const [rule, ids] of reads) for (const id of ids) readers.set(id, [...(readers.get(id) ?? []), rule]);
  const through = (a: string, b: string) => [...writes.get(a)!].filter((id) => reads.get(b)!.has(id));
  const next = new Map(asserts.map((a) => [a.name, [...new Set([...writes.get(a.name)!].flatMap((id) => readers.get(id) ?? []))]]));

  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: RuleCycle[] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length === 1 && !next.get(v)!.includes(v)) return;
    const ids = new Set(group.flatMap((a) => group.flatMap((b) => through(a, b))));
    cycles.push({ rules: group.sort(), actuators: [...ids].sort() });
  };
  for (const r of asserts) if (!index.has(r.name)) visit(r.name);
  return cycles;
}

export const loopMessage = (cycle: RuleCycle) =>
  `rules ${listed(cycle.rules)} chase each other through ${listed(cycle.actuators.map((a) => `actuator:${a}`))} and never settle: the engine cuts the cascade with alarm policy-loop`;

export function loopFinding(cycle: RuleCycle): Finding {
  return finding('loop', { targets: cycle.actuators, claimants: cycle.rules.map((r) => `policy:${r}`), rules: cycle.rules, message: loopMessage(cycle) });
}
