import type { StateValue } from './actuator';
import type { Category } from './category';

/** SPEC.md §6 event types, validated: what a rule does while it holds. */
export type PolicyEffect =
  | { readonly type: 'assert'; readonly target: string; readonly state: StateValue; readonly category: Category; readonly rank: number }
  | {
      readonly type: 'forbid';
      readonly target?: string;
      readonly state?: StateValue;
      readonly system?: string;
      /** Commands strictly below this category are forbidden; `life` by default. */
      readonly below: Category;
    }
  | { readonly type: 'notify'; readonly message?: string };

export interface PolicyRule {
  readonly name: string;
  /** json-rules-engine conditions, already accepted by its `Rule` constructor. */
  readonly conditions: Record<string, unknown>;
  readonly priority?: number;
  readonly effect: PolicyEffect;
  /** Every fact name the conditions read, so that only relevant changes trigger an evaluation. */
  readonly facts: readonly string[];
}

export const ACTUATOR_FACT_PREFIX = 'actuator:';
