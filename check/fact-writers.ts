import { ruleReach } from '../engine/config/arbiter-config';
import type { CoreConfig } from '../engine/core/arbiter-core';
import { categoryLevel, type Category } from '../engine/core/category';
import { selects } from '../engine/core/selector';
import { finding, type Finding } from './finding';
import { listed } from './finding-text';

/**
 * SPEC.md §11 with §6: for each system, the facts it may write and the highest category the rules reading them act
 * at. Escalation beyond the system's own category is already a configuration error; this is the map of what each
 * system can do through facts, as `conflict` info.
 */
export function factWriterFindings(config: CoreConfig): Finding[] {
  return config.systems.flatMap((system) => {
    const facts = config.facts.filter((f) => f.writers?.includes(system.id)).map((f) => f.name);
    if (facts.length === 0) return [];
    const readers = config.policies.filter((r) => r.facts.some((f) => facts.includes(f)));
    const reaches = readers.flatMap((r) => {
      const category = ruleReach(r.effect);
      return category ? [{ rule: r, category }] : [];
    });
    const highest = reaches.reduce<Category | undefined>((top, r) => (top === undefined || categoryLevel(r.category) > categoryLevel(top) ? r.category : top), undefined);
    const targets = reaches.flatMap(({ rule }) => {
      const effect = rule.effect;
      const target = effect.type === 'notify' ? undefined : effect.target;
      return config.actuators.filter((a) => target === undefined || selects(target, a)).map((a) => a.id);
    });
    const them = facts.length > 1 ? 'them' : 'it';
    const how = reaches.map(({ rule, category }) => `${rule.name} ${rule.effect.type === 'assert' ? 'asserts' : 'forbids'} at ${category}`);
    return [
      finding('conflict', {
        targets,
        claimants: [system.id],
        rules: readers.map((r) => r.name),
        message:
          `${system.id} (${system.category}) may write ${listed(facts)}: ` +
          (highest ? `the rules reading ${them} act at up to ${highest} (${listed(how)})` : `no assert or forbid reads ${them}`),
      }),
    ];
  });
}
