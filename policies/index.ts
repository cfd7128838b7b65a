export type { PolicyRule, PolicyEffect } from './policy-rule';
export { parsePolicies, referencedFacts } from './parse-policies';
export { RuleEvaluator } from './rule-evaluator';
