export type { PolicyRule, PolicyEffect } from './policy-rule';
export { parsePolicies, referencedFacts } from './parse-policies';
export { RuleEvaluator } from './rule-evaluator';
export { loadPolicyPack, withPack, UC4_PACK_FILE, type PolicyPack } from './policy-pack';
