import type { PolicyRule } from '../engine/core/policy-rule';
import { RuleEvaluator } from '../engine/rule-evaluator';
import { assignmentCount, assignments, valueKey, type Assignment } from './assignments';
import type { FactDomain } from './fact-domains';

/** Assignments tried per rule, at most; beyond it the search is cut and the report says so. */
export const MAX_ASSIGNMENTS_PER_RULE = 4096;

/** Where a rule's conditions hold, over the split domains of the facts it reads. */
export interface RuleSatisfaction {
  readonly rule: PolicyRule;
  readonly domains: readonly FactDomain[];
  /** The assignments of the rule's facts under which it holds, fewest changes from home first. */
  readonly satisfying: readonly Assignment[];
  readonly explored: number;
  readonly total: number;
  /** Every assignment was tried over exact domains: an empty `satisfying` then means the rule can never hold. */
  readonly complete: boolean;
  /** json-rules-engine refused to evaluate the rule (an unknown operator, say). */
  readonly error?: string;
}

/**
 * Tries the rule on every assignment of its facts (up to the bound), with the engine's own evaluator: the
 * conditions are judged by json-rules-engine exactly as at run time, never by a re-implementation of them.
 */
export async function ruleSatisfaction(rule: PolicyRule, domains: ReadonlyMap<string, FactDomain>, limit = MAX_ASSIGNMENTS_PER_RULE): Promise<RuleSatisfaction> {
  const own = rule.facts.map((f) => domains.get(f)!);
  const evaluator = new RuleEvaluator([rule]);
  const satisfying: Assignment[] = [];
  let explored = 0;
  try {
    for (const assignment of assignments(own)) {
      if (explored >= limit) break;
      explored++;
      if ((await evaluator.holding(assignment)).has(rule.name)) satisfying.push(assignment);
    }
  } catch (err) {
    return { rule, domains: own, satisfying, explored, total: assignmentCount(own), complete: false, error: err instanceof Error ? err.message : String(err) };
  }
  const total = assignmentCount(own);
  return { rule, domains: own, satisfying, explored, total, complete: explored === total && own.every((d) => d.exact) };
}

const keyOf = (assignment: Assignment, facts: readonly string[]) => facts.map((f) => valueKey(assignment[f])).join('\u0000');

/**
 * The assignments under which two rules hold at once: pairs of their satisfying assignments that agree on the
 * facts both read (each rule depends on its own facts only, and both were tried on the same split points).
 */
export function holdTogether(a: RuleSatisfaction, b: RuleSatisfaction, limit: number): Assignment[] {
  const shared = a.rule.facts.filter((f) => b.rule.facts.includes(f));
  const byShared = new Map<string, Assignment[]>();
  for (const s of b.satisfying) {
    const key = keyOf(s, shared);
    byShared.set(key, [...(byShared.get(key) ?? []), s]);
  }
  const joined: Assignment[] = [];
  for (const s of a.satisfying) {
    for (const t of byShared.get(keyOf(s, shared)) ?? []) {
      joined.push({ ...s, ...t });
      if (joined.length >= limit) return joined;
    }
  }
  return joined;
}
