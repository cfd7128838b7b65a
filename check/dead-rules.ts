import type { ActuatorSpec } from '../engine/core/actuator';
import { POLICY_PREFIX } from '../engine/core/claim';
import { selects } from '../engine/core/selector';
import { valueKey } from './assignments';
import { finding, type Finding } from './finding';
import type { RuleSatisfaction } from './rule-satisfaction';

/** A rule whose conditions hold for none of the values its facts can take, every one of them tried. */
export function isDead(s: RuleSatisfaction): boolean {
  return s.complete && s.error === undefined && s.satisfying.length === 0;
}

/** SPEC.md §11 `dead-rule`: named with the values tried, so that the typo or the impossible range shows. */
export function deadRuleFinding(s: RuleSatisfaction, actuators: readonly ActuatorSpec[]): Finding {
  const effect = s.rule.effect;
  const target = effect.type === 'notify' ? undefined : effect.target;
  const tried = s.domains.map((d) => `${d.name} ∈ {${d.values.slice(0, 8).map(valueKey).join(', ')}${d.values.length > 8 ? ', …' : ''}}`);
  return finding('dead-rule', {
    targets: target === undefined ? [] : actuators.filter((a) => selects(target, a)).map((a) => a.id),
    claimants: effect.type === 'assert' ? [POLICY_PREFIX + s.rule.name] : [],
    rules: [s.rule.name],
    message:
      s.domains.length === 0
        ? `rule "${s.rule.name}" can never hold: its conditions read no fact and are false`
        : `rule "${s.rule.name}" can never hold: its conditions are false for every value of the facts it reads (${s.explored} combinations of ${tried.join('; ')})`,
  });
}
