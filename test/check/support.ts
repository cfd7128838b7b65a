import { buildCoreConfig } from '../../engine/config/arbiter-config';
import { checkConfig, type CheckResult } from '../../check/check-config';
import type { Finding, FindingKind } from '../../check/finding';

/** Checks a home given as the raw configuration of SPEC.md §10 (without steps). */
export async function check(raw: Record<string, unknown>): Promise<CheckResult> {
  return checkConfig(buildCoreConfig(raw));
}

export function ofKind(result: CheckResult, kind: FindingKind): Finding[] {
  return result.findings.filter((f) => f.kind === kind);
}

/** `when fact equals value`, as a json-rules-engine condition. */
export const when = (fact: string, operator: string, value: unknown) => ({ all: [{ fact, operator, value }] });

export const assertRule = (name: string, conditions: unknown, target: string, state: string | number, category: string, rank?: number) => ({
  name,
  conditions,
  event: { type: 'assert', params: { target, state, category, ...(rank !== undefined ? { rank } : {}) } },
});
