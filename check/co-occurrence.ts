import type { ActuatorSpec, StateValue } from '../engine/core/actuator';
import { forbidMatches, type ForbidEffect } from '../engine/core/admission';
import type { PolicyRule } from '../engine/core/policy-rule';
import { selects } from '../engine/core/selector';
import { assignmentCount, assignments, valueKey, type Assignment } from './assignments';
import { claimableStates, type Capability } from './claim-capabilities';
import type { FactDomain } from './fact-domains';
import { holdTogether, MAX_ASSIGNMENTS_PER_RULE, type RuleSatisfaction } from './rule-satisfaction';

const factsKey = (a: Assignment, facts: readonly string[]) => facts.map((f) => valueKey(a[f])).join('\u0000');

/**
 * Whether two claims can be live on one actuator at the same time, and under which fact values: each claiming
 * rule holds, and each system still has a state left to command that differs from the other claim's, because no
 * `forbid` that denies it (the engine's own `forbidMatches`, SPEC.md §6) holds then. A person's change by hand is
 * never denied.
 */
export class CoOccurrence {
  private readonly holding = new Map<string /* rule name */, Set<string /* facts key */>>();
  private readonly cache = new Map<string, Assignment[]>();
  private readonly forbidsOn = new Map<string /* actuator id */, readonly PolicyRule[]>();
  /** Pairs of rules whose searches were cut before showing them together: not decided, and said so. */
  readonly undecided: string[] = [];

  constructor(
    private readonly satisfaction: ReadonlyMap<string, RuleSatisfaction>,
    private readonly forbids: readonly PolicyRule[],
    private readonly domains: ReadonlyMap<string, FactDomain>,
  ) {
    for (const s of satisfaction.values()) this.holding.set(s.rule.name, new Set(s.satisfying.map((a) => factsKey(a, s.rule.facts))));
  }

  /** Fact values, fewest changes first and at most `limit`, under which both claims can be made; none: never. */
  candidates(actuator: ActuatorSpec, a: Capability, b: Capability, limit: number): Assignment[] {
    if (a.rule && b.rule) {
      const [sa, sb] = [this.sat(a.rule), this.sat(b.rule)];
      return this.cached(`${sa.rule.name}\n${sb.rule.name}`, () => {
        const found = holdTogether(sa, sb, limit);
        if (found.length === 0 && !(sa.complete && sb.complete)) this.undecided.push(`rules "${sa.rule.name}" and "${sb.rule.name}": whether they can hold at the same time is not decided (their search was cut)`);
        return found;
      });
    }
    const rules = [a, b].flatMap((c) => (c.rule ? [c.rule] : []));
    const states = claimableStates(actuator);
    const denying = this.forbidsActingOn(actuator).filter((f) => [a, b].some((c) => c.system && states.some((s) => forbidMatches(f.effect as ForbidEffect, c.claimant, actuator, s, c.category))));
    if (denying.length === 0) return rules.length === 1 ? this.sat(rules[0]).satisfying.slice(0, limit) : [{}];
    // What a forbid denies here depends on the states and on each claim, not on which actuator it is.
    const key = [states.join('|'), ...[a, b].map((c) => `${c.claimant}@${c.category}`), ...denying.map((f) => f.name)].join('\n');
    return this.cached(key, () => this.search(actuator, [a, b], rules, denying, limit));
  }

  private search(actuator: ActuatorSpec, caps: readonly Capability[], rules: readonly PolicyRule[], denying: readonly PolicyRule[], limit: number): Assignment[] {
    const involved = [...rules, ...denying];
    const domains = [...new Set(involved.flatMap((r) => r.facts))].map((f) => this.domains.get(f)!);
    // Beyond what was tried per rule, membership in the satisfying sets says nothing: keep the claims possible.
    if (involved.some((r) => !this.sat(r).complete) || assignmentCount(domains) > MAX_ASSIGNMENTS_PER_RULE) return rules.length === 1 ? this.sat(rules[0]).satisfying.slice(0, limit) : [{}];
    const found: Assignment[] = [];
    for (const assignment of assignments(domains)) {
      if (!rules.every((r) => this.holds(r, assignment))) continue;
      const holdingForbids = denying.filter((f) => this.holds(f, assignment));
      const allowed = caps.map((c) => this.allowedStates(actuator, c, holdingForbids));
      if (allowed[0].some((x) => allowed[1].some((y) => x !== y))) found.push(assignment);
      if (found.length >= limit) break;
    }
    return found;
  }

  private forbidsActingOn(actuator: ActuatorSpec): readonly PolicyRule[] {
    let found = this.forbidsOn.get(actuator.id);
    if (!found) {
      found = this.forbids.filter((f) => {
        const target = (f.effect as ForbidEffect).target;
        return target === undefined || selects(target, actuator);
      });
      this.forbidsOn.set(actuator.id, found);
    }
    return found;
  }

  private allowedStates(actuator: ActuatorSpec, c: Capability, forbids: readonly PolicyRule[]): StateValue[] {
    if (c.state !== undefined) return [c.state];
    const states = claimableStates(actuator);
    if (!c.system) return states;
    return states.filter((s) => !forbids.some((f) => forbidMatches(f.effect as ForbidEffect, c.claimant, actuator, s, c.category)));
  }

  private holds(rule: PolicyRule, a: Assignment): boolean {
    return this.holding.get(rule.name)!.has(factsKey(a, rule.facts));
  }

  private sat(rule: PolicyRule): RuleSatisfaction {
    return this.satisfaction.get(rule.name)!;
  }

  private cached(key: string, compute: () => Assignment[]): Assignment[] {
    let found = this.cache.get(key);
    if (!found) this.cache.set(key, (found = compute()));
    return found;
  }
}
