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
  private readonly cache = new Map<string, Assignment[] | undefined>();
  private readonly forbidsOn = new Map<string /* actuator id */, readonly PolicyRule[]>();
  private readonly assertsOn = new Map<string /* actuator id */, readonly PolicyRule[]>();
  private readonly forbids: readonly PolicyRule[];
  private readonly asserts: readonly PolicyRule[];
  /** Pairs of rules whose searches were cut before showing them together: not decided, and said so. */
  readonly undecided: string[] = [];

  constructor(
    private readonly satisfaction: ReadonlyMap<string, RuleSatisfaction>,
    /** The rules that can hold. */
    rules: readonly PolicyRule[],
    private readonly domains: ReadonlyMap<string, FactDomain>,
  ) {
    for (const s of satisfaction.values()) this.holding.set(s.rule.name, new Set(s.satisfying.map((a) => factsKey(a, s.rule.facts))));
    this.forbids = rules.filter((r) => r.effect.type === 'forbid');
    this.asserts = rules.filter((r) => r.effect.type === 'assert');
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
    const denying = this.denying(actuator, a, b);
    if (denying.length === 0) return rules.length === 1 ? this.sat(rules[0]).satisfying.slice(0, limit) : [{}];
    return this.search(actuator, [a, b], rules, denying, [], limit) ?? (rules.length === 1 ? this.sat(rules[0]).satisfying.slice(0, limit) : [{}]);
  }

  /**
   * Candidates for a witness on this actuator: where the two claims can be made and, first, where no other assert on
   * the actuator holds as well (its claim would win or come between them in the replay).
   */
  witnessCandidates(actuator: ActuatorSpec, a: Capability, b: Capability, limit: number): Assignment[] {
    const plain = this.candidates(actuator, a, b, limit);
    const others = this.assertsActingOn(actuator).filter((r) => r !== a.rule && r !== b.rule);
    if (plain.length === 0 || others.length === 0) return plain;
    const rules = [a, b].flatMap((c) => (c.rule ? [c.rule] : []));
    const quiet = this.search(actuator, [a, b], rules, this.denying(actuator, a, b), others, limit) ?? [];
    return [...quiet, ...plain];
  }

  /** The forbids that deny one of the two systems some state of the actuator. */
  private denying(actuator: ActuatorSpec, a: Capability, b: Capability): PolicyRule[] {
    const states = claimableStates(actuator);
    return this.actingOn(this.forbidsOn, this.forbids, actuator).filter((f) => [a, b].some((c) => c.system && states.some((s) => forbidMatches(f.effect as ForbidEffect, c.claimant, actuator, s, c.category))));
  }

  /**
   * Assignments over the facts of every rule involved where the claiming rules hold, each system keeps a state
   * different from the other claim's, and none of `quiet` holds; undefined when that is too many assignments to try
   * or a rule's own search was cut (membership in its satisfying set then says nothing).
   */
  private search(actuator: ActuatorSpec, caps: readonly Capability[], rules: readonly PolicyRule[], denying: readonly PolicyRule[], quiet: readonly PolicyRule[], limit: number): Assignment[] | undefined {
    // What a forbid denies depends on the states and on each claim, not on which actuator it is.
    const key = [claimableStates(actuator).join('|'), ...caps.map((c) => `${c.claimant}@${c.category}`), ...denying.map((f) => f.name), '', ...quiet.map((r) => r.name)].join('\n');
    return this.cached(key, () => {
      const involved = [...rules, ...denying, ...quiet];
      const domains = [...new Set(involved.flatMap((r) => r.facts))].map((f) => this.domains.get(f)!);
      if (involved.some((r) => !this.sat(r).complete) || assignmentCount(domains) > MAX_ASSIGNMENTS_PER_RULE) return undefined;
      const found: Assignment[] = [];
      for (const assignment of assignments(domains)) {
        if (!rules.every((r) => this.holds(r, assignment)) || quiet.some((r) => this.holds(r, assignment))) continue;
        const holdingForbids = denying.filter((f) => this.holds(f, assignment));
        const allowed = caps.map((c) => this.allowedStates(actuator, c, holdingForbids));
        if (allowed[0].some((x) => allowed[1].some((y) => x !== y))) found.push(assignment);
        if (found.length >= limit) break;
      }
      return found;
    });
  }

  private actingOn(cache: Map<string, readonly PolicyRule[]>, rules: readonly PolicyRule[], actuator: ActuatorSpec): readonly PolicyRule[] {
    let found = cache.get(actuator.id);
    if (!found) {
      found = rules.filter((r) => {
        const target = (r.effect as { target?: string }).target;
        return target === undefined || selects(target, actuator);
      });
      cache.set(actuator.id, found);
    }
    return found;
  }

  private assertsActingOn(actuator: ActuatorSpec): readonly PolicyRule[] {
    return this.actingOn(this.assertsOn, this.asserts, actuator);
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

  private cached<T extends Assignment[] | undefined>(key: string, compute: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, compute());
    return this.cache.get(key) as T;
  }
}
