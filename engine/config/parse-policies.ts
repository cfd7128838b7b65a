import { Rule } from 'json-rules-engine';
import { normalizeState, type ActuatorSpec } from '../core/actuator';
import { CATEGORIES, isCategory, type Category } from '../core/category';
import type { SystemSpec } from '../core/control-system';
import type { ConfigIssue } from './config-error';
import { selectorError, selects } from '../core/selector';
import type { PolicyEffect, PolicyRule } from '../core/policy-rule';

const EVENT_TYPES = ['assert', 'forbid', 'notify'] as const;
const PARAMS: Record<(typeof EVENT_TYPES)[number], readonly string[]> = {
  assert: ['target', 'state', 'category', 'rank'],
  forbid: ['target', 'state', 'system', 'below'],
  notify: ['message'],
};

type Issues = ConfigIssue[];
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every fact name the conditions read, at any depth of all/any/not. */
export function referencedFacts(conditions: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(conditions)) for (const c of conditions) referencedFacts(c, into);
  else if (isObject(conditions)) {
    if (typeof conditions.fact === 'string') into.add(conditions.fact);
    for (const key of ['all', 'any', 'not']) if (key in conditions) referencedFacts(conditions[key], into);
    if (isObject(conditions.value) && typeof conditions.value.fact === 'string') into.add(conditions.value.fact);
  }
  return into;
}

function category(value: unknown, path: string, issues: Issues): Category | undefined {
  if (isCategory(value)) return value;
  issues.push({ path, message: value === undefined ? `is required (one of ${CATEGORIES.join(', ')})` : `unknown category "${String(value)}" (one of ${CATEGORIES.join(', ')})` });
  return undefined;
}

function selector(value: unknown, path: string, actuators: readonly ActuatorSpec[], issues: Issues): string | undefined {
  const problem = selectorError(value);
  if (problem) {
    issues.push({ path, message: value === undefined ? 'is required' : problem });
    return undefined;
  }
  const s = value as string;
  if (!actuators.some((a) => selects(s, a))) issues.push({ path, message: `selector "${s}" matches no actuator` });
  return s;
}

function effectOf(type: string, params: Record<string, unknown>, path: string, ctx: PolicyContext, issues: Issues): PolicyEffect | undefined {
  const before = issues.length;
  for (const key of Object.keys(params)) {
    if (!PARAMS[type as keyof typeof PARAMS].includes(key)) issues.push({ path: `${path}.${key}`, message: `unknown parameter for ${type} (allowed: ${PARAMS[type as keyof typeof PARAMS].join(', ')})` });
  }
  if (type === 'notify') {
    if (params.message !== undefined && typeof params.message !== 'string') issues.push({ path: `${path}.message`, message: 'must be a string' });
    return issues.length > before ? undefined : { type, ...(typeof params.message === 'string' ? { message: params.message } : {}) };
  }
  if (type === 'assert') {
    const target = selector(params.target, `${path}.target`, ctx.actuators, issues);
    const cat = category(params.category, `${path}.category`, issues);
    if (params.state === undefined) issues.push({ path: `${path}.state`, message: 'is required' });
    else if (target) {
      for (const a of ctx.actuators.filter((a) => selects(target, a))) {
        if (normalizeState(a, params.state) === undefined) issues.push({ path: `${path}.state`, message: `"${String(params.state)}" is not a state of ${a.id}, which ${target} selects` });
      }
    }
    if (params.rank !== undefined && !Number.isInteger(params.rank)) issues.push({ path: `${path}.rank`, message: 'must be an integer' });
    if (issues.length > before || !target || !cat) return undefined;
    return { type, target, state: params.state as string | number, category: cat, rank: (params.rank as number | undefined) ?? 0 };
  }
  // forbid: every field optional, each checked when given.
  const target = params.target === undefined ? undefined : selector(params.target, `${path}.target`, ctx.actuators, issues);
  const below = params.below === undefined ? 'life' : category(params.below, `${path}.below`, issues);
  if (params.system !== undefined && (typeof params.system !== 'string' || !ctx.systems.some((s) => s.id === params.system))) {
    issues.push({ path: `${path}.system`, message: `unknown system "${String(params.system)}"` });
  }
  if (params.state !== undefined && typeof params.state !== 'string' && typeof params.state !== 'number') issues.push({ path: `${path}.state`, message: 'must be a string or a number' });
  if (issues.length > before || !below) return undefined;
  return {
    type: 'forbid',
    below,
    ...(target !== undefined ? { target } : {}),
    ...(params.state !== undefined ? { state: params.state as string | number } : {}),
    ...(params.system !== undefined ? { system: params.system as string } : {}),
  };
}

export interface PolicyContext {
  readonly actuators: readonly ActuatorSpec[];
  readonly systems: readonly SystemSpec[];
}

/**
 * Validates SPEC.md §6 rules, adding each problem to `issues` with its path (`policies[0].event.type`), and
 * returns the rules that are valid. json-rules-engine's own `Rule` checks the conditions.
 */
export function parsePolicies(raw: readonly unknown[], ctx: PolicyContext, prefix: string, issues: Issues): PolicyRule[] {
  const rules: PolicyRule[] = [];
  const names = new Map<string, number>();
  raw.forEach((entry, i) => {
    const path = `${prefix}[${i}]`;
    if (!isObject(entry)) {
      issues.push({ path, message: 'must be an object with name, conditions and event' });
      return;
    }
    const before = issues.length;
    for (const key of Object.keys(entry)) {
      if (!['name', 'conditions', 'event', 'priority'].includes(key)) issues.push({ path: `${path}.${key}`, message: 'unknown field (allowed: name, conditions, event, priority)' });
    }
    const name = entry.name;
    if (typeof name !== 'string' || name === '') issues.push({ path: `${path}.name`, message: 'is required (a non-empty string)' });
    else if (names.has(name)) issues.push({ path: `${path}.name`, message: `duplicate rule name "${name}" (first at ${prefix}[${names.get(name)}])` });
    else names.set(name, i);
    if (entry.priority !== undefined && !(Number.isInteger(entry.priority) && (entry.priority as number) >= 1)) {
      issues.push({ path: `${path}.priority`, message: 'must be an integer of 1 or more' });
    }

    const event = entry.event;
    let effect: PolicyEffect | undefined;
    if (!isObject(event)) issues.push({ path: `${path}.event`, message: 'is required: {type, params}' });
    else if (!EVENT_TYPES.includes(event.type as never)) {
      issues.push({ path: `${path}.event.type`, message: `unknown event type "${String(event.type)}" (one of ${EVENT_TYPES.join(', ')})` });
    } else {
      const params = event.params ?? {};
      if (!isObject(params)) issues.push({ path: `${path}.event.params`, message: 'must be an object' });
      else effect = effectOf(event.type as string, params, `${path}.event.params`, ctx, issues);
    }

    const conditions = entry.conditions;
    if (!isObject(conditions) || !['all', 'any', 'not', 'condition'].some((k) => k in conditions)) {
      issues.push({ path: `${path}.conditions`, message: 'is required: an object with all, any or not' });
    } else {
      try {
        new Rule({ name: String(name), conditions: conditions as any, event: { type: 'holds' } });
      } catch (err) {
        issues.push({ path: `${path}.conditions`, message: (err as Error).message });
      }
    }
    if (issues.length > before || !effect) return;
    rules.push({
      name: name as string,
      conditions: conditions as Record<string, unknown>,
      ...(entry.priority !== undefined ? { priority: entry.priority as number } : {}),
      effect,
      facts: [...referencedFacts(conditions)],
    });
  });
  return rules;
}
