import { Engine } from 'json-rules-engine';
import type { PolicyRule } from './core/policy-rule';

/**
 * Decides which rules hold for a set of facts, with json-rules-engine. A rule's effect is applied by the
 * engine's core; json-rules-engine only answers "do the conditions hold", so its event is a marker.
 */
export class RuleEvaluator {
  private readonly engine: Engine;

  constructor(rules: readonly PolicyRule[]) {
    this.engine = new Engine([], { allowUndefinedFacts: true });
    for (const rule of rules) {
      this.engine.addRule({
        name: rule.name,
        conditions: rule.conditions as any,
        event: { type: 'holds', params: { rule: rule.name } },
        ...(rule.priority !== undefined ? { priority: rule.priority } : {}),
      });
    }
  }

  async holding(facts: Readonly<Record<string, unknown>>): Promise<Set<string>> {
    const defined: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(facts)) if (value !== undefined) defined[name] = value;
    const { results } = await this.engine.run(defined);
    return new Set(results.map((r) => String(r.name)));
  }
}
