import { z } from 'zod';
import { KIND_STATES, DEFAULT_MANUAL, normalizeState, type ActuatorSpec } from '../core/actuator';
import type { CoreConfig } from '../core/arbiter-core';
import { CATEGORIES, categoryLevel, type Category } from '../core/category';
import type { SystemSpec } from '../core/control-system';
import { parseDuration } from '../core/duration';
import type { FactDeclaration } from '../core/fact-table';
import { selectorError } from '../core/selector';
import { DEFAULT_MONITOR_SETTINGS, type MonitorSettings } from '../monitors/monitor';
import { parsePolicies } from './parse-policies';
import type { PolicyEffect, PolicyRule } from '../core/policy-rule';
import { ConfigError, formatPath, joinPath, type ConfigIssue } from './config-error';

export const durationSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration (use 250ms, 10s, 5m, 2h, 1d, 1m30s or milliseconds)` });
    return z.NEVER;
  }
  return ms;
});
export const stateSchema = z.union([z.string(), z.number()]);
export const categorySchema = z.enum(CATEGORIES);
export const selectorSchema = z.string().superRefine((s, ctx) => {
  const problem = selectorError(s);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const positiveInt = z.number().int().positive();

const actuatorSchema = z.strictObject({
  id: z.string().min(1),
  kind: z.string().min(1),
  states: z.array(z.string().min(1)).min(1).optional(),
  range: z.tuple([z.number(), z.number()]).optional(),
  initial: stateSchema.optional(),
  safe: stateSchema.optional(),
  default: stateSchema.optional(),
  zone: z.string().min(1).optional(),
  tags: z.array(z.string().min(1)).optional(),
  minHold: durationSchema.optional(),
  manual: z.union([z.literal(false), z.strictObject({ category: categorySchema.optional(), ttl: durationSchema.optional() })]).optional(),
  /** Which adapter drives it and where: read by the composition roots (server, Node-RED), not by the core. */
  device: z
    .strictObject({ adapter: z.string().min(1), address: z.string().min(1), options: z.record(z.string(), z.unknown()).optional() })
    .optional(),
});

const systemSchema = z.strictObject({
  id: z.string().min(1),
  category: categorySchema,
  rank: z.number().int().optional(),
  targets: z.array(selectorSchema).optional(),
});

const factSchema = z.strictObject({
  name: z.string().min(1),
  maxAge: durationSchema.optional(),
  whenStale: z.unknown().optional(),
  initial: z.unknown().optional(),
  writers: z.array(z.string().min(1)).optional(),
});

const monitorsSchema = z.strictObject({
  persistentConflict: z.strictObject({ window: durationSchema.optional(), count: positiveInt.optional(), for: durationSchema.optional() }).optional(),
  flapping: z.strictObject({ window: durationSchema.optional(), changes: positiveInt.optional() }).optional(),
  quarantine: z.strictObject({ window: durationSchema.optional(), denials: positiveInt.optional() }).optional(),
});

/** The keys a scenario, a server configuration and a Node-RED supervisor share. */
export const arbiterConfigShape = {
  config: monitorsSchema.optional(),
  actuators: z.array(actuatorSchema),
  systems: z.array(systemSchema).optional(),
  facts: z.array(factSchema).optional(),
  policies: z.array(z.unknown()).optional(),
};
const arbiterConfigSchema = z.strictObject(arbiterConfigShape);
export type RawArbiterConfig = z.output<typeof arbiterConfigSchema>;

const isMissing = (issue: z.core.$ZodIssue) => issue.code === 'invalid_type' && /received undefined/.test(issue.message);

/** zod's issues in our words: the field path, and "is required" rather than "received undefined". */
export function zodIssues(error: z.ZodError, prefix = ''): ConfigIssue[] {
  return error.issues.map((issue) => {
    let message = issue.message;
    if (isMissing(issue)) message = `is required (${message.replace(/^Invalid input: /, '')})`;
    if (issue.code === 'unrecognized_keys') message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    return { path: joinPath(prefix, formatPath(issue.path)), message };
  });
}

function checkActuator(a: z.output<typeof actuatorSchema>, path: string, issues: ConfigIssue[]): ActuatorSpec {
  let states = a.states;
  if (!states && !a.range) {
    states = KIND_STATES[a.kind] ? [...KIND_STATES[a.kind]] : undefined;
    if (!states) issues.push({ path: `${path}.states`, message: `is required for kind "${a.kind}" (known kinds: ${Object.keys(KIND_STATES).join(', ')}; or give range)` });
  }
  const knowsStates = states !== undefined || a.range !== undefined;
  if (a.states && a.range) issues.push({ path: `${path}.range`, message: 'give either states or range, not both' });
  if (a.range && a.range[0] > a.range[1]) issues.push({ path: `${path}.range`, message: `minimum ${a.range[0]} is above maximum ${a.range[1]}` });
  const spec: ActuatorSpec = {
    id: a.id,
    kind: a.kind,
    ...(states && !a.range ? { states } : {}),
    ...(a.range ? { range: a.range } : {}),
    ...(a.zone ? { zone: a.zone } : {}),
    tags: a.tags ?? [],
    minHold: a.minHold ?? 0,
    manual: a.manual === false ? false : { category: a.manual?.category ?? DEFAULT_MANUAL.category, ttl: a.manual?.ttl ?? DEFAULT_MANUAL.ttl },
  };
  const withStates = { ...spec } as { -readonly [K in keyof ActuatorSpec]: ActuatorSpec[K] };
  for (const key of ['initial', 'safe', 'default'] as const) {
    const raw = a[key];
    // Without states there is nothing to check a state against: the missing states are the problem, reported above.
    if (raw === undefined || !knowsStates) continue;
    const value = normalizeState(spec, raw);
    if (value === undefined) issues.push({ path: `${path}.${key}`, message: `"${raw}" is not a state of ${a.id} (${spec.range ? `range ${spec.range.join('..')}` : spec.states?.join(', ')})` });
    else withStates[key] = value;
  }
  return withStates;
}

function unique<T>(items: readonly T[], key: (t: T) => string, path: (i: number) => string, what: string, issues: ConfigIssue[]): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const k = key(item);
    if (seen.has(k)) issues.push({ path: path(i), message: `duplicate ${what} "${k}" (first at index ${seen.get(k)})` });
    else seen.set(k, i);
  });
}

/** The highest category a rule can act at: an assert's own, or for a forbid the highest it can deny. */
export function ruleReach(effect: PolicyEffect): Category | undefined {
  if (effect.type === 'assert') return effect.category;
  if (effect.type === 'forbid') return CATEGORIES[CATEGORIES.indexOf(effect.below) + 1];
  return undefined;
}

/**
 * SPEC.md §6: a fact's writers are declared systems whose category is not below what a rule reading the fact can
 * do, so that no system reaches through a fact beyond its own category (a comfort plugin faking a fire).
 */
function checkFactWriters(facts: readonly FactDeclaration[], systems: readonly SystemSpec[], policies: readonly PolicyRule[], at: (p: string) => string, issues: ConfigIssue[]): void {
  const reach = new Map<string /* fact name */, { category: Category; rule: PolicyRule }>();
  for (const rule of policies) {
    const category = ruleReach(rule.effect);
    if (category === undefined) continue;
    for (const fact of rule.facts) {
      const known = reach.get(fact);
      if (!known || categoryLevel(category) > categoryLevel(known.category)) reach.set(fact, { category, rule });
    }
  }
  facts.forEach((fact, i) =>
    fact.writers?.forEach((writer, j) => {
      const path = at(`facts[${i}].writers[${j}]`);
      const system = systems.find((s) => s.id === writer);
      const needed = reach.get(fact.name);
      if (!system) issues.push({ path, message: `unknown system "${writer}" (writers must be declared systems)` });
      else if (needed && categoryLevel(system.category) < categoryLevel(needed.category)) {
        const does = needed.rule.effect.type === 'assert' ? 'asserts' : 'can deny';
        issues.push({ path, message: `system "${writer}" has category ${system.category}, below ${needed.category}, which rule "${needed.rule.name}" ${does} through fact "${fact.name}"` });
      }
    }),
  );
}

/**
 * Validates the shared configuration keys and builds the core's configuration. Every problem found is reported
 * at once, each with its field path under `prefix`: when the shape is wrong, the checks beyond the shape still run
 * on the rest, so that an unknown field does not hide a kind without states until the next attempt.
 */
export function buildCoreConfig(raw: unknown, source?: string, prefix = ''): CoreConfig {
  const parsed = arbiterConfigSchema.safeParse(raw);
  if (parsed.success) return coreConfigFrom(parsed.data, source, prefix);
  const issues = zodIssues(parsed.error, prefix);
  const rest = arbiterConfigSchema.safeParse(withoutRefused(raw, parsed.error));
  if (rest.success) {
    try {
      coreConfigFrom(rest.data, source, prefix);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      issues.push(...err.issues);
    }
  }
  throw new ConfigError(issues, source);
}

/**
 * `raw` without what zod refused and may be left out: unknown fields, and values of the wrong type in fields that
 * are not required. A required field that is missing or wrong stays: the rest then cannot be checked.
 */
function withoutRefused(raw: unknown, error: z.ZodError): unknown {
  const copy = structuredClone(raw);
  const isObject = (v: unknown): v is Record<PropertyKey, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  const at = (path: readonly PropertyKey[]) => path.reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined), copy);
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const holder = at(issue.path);
      if (isObject(holder)) for (const key of issue.keys) delete holder[key];
    } else if (issue.path.length > 0 && !isMissing(issue)) {
      const holder = at(issue.path.slice(0, -1));
      if (isObject(holder)) delete holder[issue.path[issue.path.length - 1]!];
    }
  }
  return copy;
}

/** The device bindings of the actuators that declare one, for a DeviceRouter. */
export function deviceBindings(data: RawArbiterConfig): { actuatorId: string; kind: string; adapter: string; address: string; options?: Record<string, unknown> }[] {
  return data.actuators.flatMap((a) => (a.device ? [{ actuatorId: a.id, kind: a.kind, ...a.device }] : []));
}

export function coreConfigFrom(data: RawArbiterConfig, source?: string, prefix = ''): CoreConfig {
  const issues: ConfigIssue[] = [];
  const at = (p: string) => joinPath(prefix, p);
  const actuators = data.actuators.map((a, i) => checkActuator(a, at(`actuators[${i}]`), issues));
  unique(actuators, (a) => a.id, (i) => at(`actuators[${i}].id`), 'actuator id', issues);
  const systems: SystemSpec[] = (data.systems ?? []).map((s) => ({ id: s.id, category: s.category, rank: s.rank ?? 0, targets: s.targets ?? ['*'] }));
  unique(systems, (s) => s.id, (i) => at(`systems[${i}].id`), 'system id', issues);
  const facts: FactDeclaration[] = data.facts ?? [];
  unique(facts, (f) => f.name, (i) => at(`facts[${i}].name`), 'fact name', issues);
  const monitors: MonitorSettings = {
    persistentConflict: { ...DEFAULT_MONITOR_SETTINGS.persistentConflict, ...data.config?.persistentConflict },
    flapping: { ...DEFAULT_MONITOR_SETTINGS.flapping, ...data.config?.flapping },
    quarantine: { ...DEFAULT_MONITOR_SETTINGS.quarantine, ...data.config?.quarantine },
  };
  const policies = parsePolicies(data.policies ?? [], { actuators, systems }, at('policies'), issues);
  checkFactWriters(facts, systems, policies, at, issues);
  if (issues.length > 0) throw new ConfigError(issues, source);
  return { actuators, systems, facts, policies, monitors };
}
