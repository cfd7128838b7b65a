// The rule model, its parsing and its evaluation belong to the engine (engine/core/policy-rule.ts,
// engine/config/parse-policies.ts, engine/rule-evaluator.ts); this folder holds the policy packs and re-exports
// them for `home-arbiter/policies`. Imports point one way: policies/ uses engine/, never the reverse.
export type { PolicyRule, PolicyEffect } from '../engine/core/policy-rule';
export { parsePolicies, referencedFacts } from '../engine/config/parse-policies';
export { RuleEvaluator } from '../engine/rule-evaluator';
export { loadPolicyPack, withPack, UC4_PACK_FILE, type PolicyPack } from './policy-pack';
