import type { ActuatorRecord } from './actuator-record';
import { selects } from './selector';
import type { ForbidEffect } from './admission';
import type { PolicyRule } from './policy-rule';

/**
 * The policies and which of them hold (SPEC.md §6). Configuration is fixed, so each rule's selector is matched
 * against the actuators once, and the forbid rules that hold are kept as a list: every command checks them.
 */
export class RuleBook {
  private readonly rules = new Map<string /* rule name */, PolicyRule>();
  private readonly targets = new Map<string /* rule name */, readonly ActuatorRecord[]>();
  private readonly readFacts = new Set<string /* fact name */>();
  private current = new Set<string /* rule name */>();
  private forbidList: { rule: string; effect: ForbidEffect }[] = [];

  constructor(rules: readonly PolicyRule[], actuators: readonly ActuatorRecord[]) {
    for (const rule of rules) {
      this.rules.set(rule.name, rule);
      for (const fact of rule.facts) this.readFacts.add(fact);
      const selector = rule.effect.type === 'notify' ? undefined : rule.effect.target;
      if (selector !== undefined) this.targets.set(rule.name, actuators.filter((rec) => selects(selector, rec.spec)));
    }
  }

  get size(): number {
    return this.rules.size;
  }

  /** Whether some rule's conditions read this fact. */
  reads(fact: string): boolean {
    return this.readFacts.has(fact);
  }

  factNames(): ReadonlySet<string> {
    return this.readFacts;
  }

  rule(name: string): PolicyRule | undefined {
    return this.rules.get(name);
  }

  /** The actuators a rule's `target` selects; undefined for a rule without one (every actuator). */
  targetsOf(rule: string): readonly ActuatorRecord[] | undefined {
    return this.targets.get(rule);
  }

  holding(): ReadonlySet<string> {
    return this.current;
  }

  forbids(): readonly { rule: string; effect: ForbidEffect }[] {
    return this.forbidList;
  }

  /** Makes `names` the rules that hold (unknown names are dropped); returns the rules that ended and started. */
  replace(names: Iterable<string>): { ended: PolicyRule[]; started: PolicyRule[] } {
    const previous = this.current;
    this.current = new Set([...names].filter((n) => this.rules.has(n)));
    this.forbidList = [];
    for (const name of this.current) {
      const effect = this.rules.get(name)!.effect;
      if (effect.type === 'forbid') this.forbidList.push({ rule: name, effect });
    }
    return {
      ended: [...previous].filter((n) => !this.current.has(n)).map((n) => this.rules.get(n)!),
      started: [...this.current].filter((n) => !previous.has(n)).map((n) => this.rules.get(n)!),
    };
  }
}
