import type { ActuatorSpec } from '../engine/core/actuator';
import type { CoreConfig } from '../engine/core/arbiter-core';
import type { FactDeclaration } from '../engine/core/fact-table';
import { ACTUATOR_FACT_PREFIX } from '../engine/core/policy-rule';
import { valueKey } from './assignments';
import { collectComparisons, type FactComparisons } from './condition-constants';

/** The values a fact is tried with: one per region its conditions tell apart, its home value first. */
export interface FactDomain {
  readonly name: string;
  readonly values: readonly unknown[];
  /** The value before anything changes it: `initial`, or an actuator's `default`/`initial` desired state. */
  readonly home: unknown;
  /** False when a condition reads a part of it that the check cannot construct (a JSONPath beyond `$.a.b`). */
  readonly exact: boolean;
  /** An `actuator:<id>` fact: set by arbitration, never by a fact step. */
  readonly actuator: boolean;
}

/** Objects built for facts read through paths, at most (beyond it the domain is cut and says so). */
const MAX_OBJECT_VALUES = 64;
const SIMPLE_PATH = /^\$(\.[A-Za-z_$][\w$]*)+$/;

function unique(values: readonly unknown[]): unknown[] {
  const seen = new Set<string>();
  return values.filter((v) => !seen.has(valueKey(v)) && seen.add(valueKey(v)));
}

type ValueType = 'number' | 'string' | 'boolean' | 'null' | 'array' | 'object' | 'undefined';
function typeOf(v: unknown): ValueType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v as ValueType;
}

/**
 * One point per region: each numeric constant, the midpoints between them and one beyond each end; each string
 * constant and one string equal to none; both booleans when one is compared; the other constants as they are.
 */
export function splitPoints(constants: readonly unknown[]): unknown[] {
  const numbers = [...new Set(constants.filter((c): c is number => typeof c === 'number' && Number.isFinite(c)))].sort((a, b) => a - b);
  const points: unknown[] = [];
  numbers.forEach((n, i) => {
    if (i === 0) points.push(n - 1);
    points.push(n);
    points.push(i + 1 < numbers.length ? (n + numbers[i + 1]) / 2 : n + 1);
  });
  const strings = [...new Set(constants.filter((c): c is string => typeof c === 'string'))];
  if (strings.length > 0) {
    let other = 'other';
    while (strings.includes(other)) other += '*';
    points.push(...strings, other);
  }
  if (constants.some((c) => typeof c === 'boolean')) points.push(true, false);
  points.push(...constants.filter((c) => c === null || (typeof c === 'object' && c !== null)));
  return unique(points);
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.slice(2).split('.');
  let at = target;
  for (const key of keys.slice(0, -1)) at = (at[key] ??= {}) as Record<string, unknown>;
  at[keys[keys.length - 1]] = value;
}

/** Objects for a fact read through paths: the product of each path's points, cut at MAX_OBJECT_VALUES. */
function objectValues(paths: ReadonlyMap<string, unknown[]>): { values: unknown[]; exact: boolean } {
  let objects: Record<string, unknown>[] = [{}];
  let exact = true;
  for (const [path, constants] of paths) {
    if (!SIMPLE_PATH.test(path)) return { values: [], exact: false };
    objects = objects.flatMap((o) => splitPoints(constants).map((v) => {
      const copy = structuredClone(o);
      setPath(copy, path, v);
      return copy;
    }));
    if (objects.length > MAX_OBJECT_VALUES) {
      objects = objects.slice(0, MAX_OBJECT_VALUES);
      exact = false;
    }
  }
  return { values: objects, exact };
}

/** Peers (`value: {fact}`) share their constants, so that "equal", "below" and "above" each get a pair of points. */
function sharedConstants(comparisons: ReadonlyMap<string, FactComparisons>, fact: string): unknown[] {
  const group = new Set([fact]);
  for (const name of group) for (const peer of comparisons.get(name)?.peers ?? []) group.add(peer);
  return [...group].flatMap((name) => comparisons.get(name)?.constants ?? []);
}

function ordinaryDomain(name: string, decl: FactDeclaration | undefined, c: FactComparisons | undefined, constants: unknown[]): FactDomain {
  const scalars = splitPoints(constants);
  const objects = c && c.paths.size > 0 ? objectValues(c.paths) : { values: [], exact: true };
  const elements = c?.array ? [[], ...scalars.map((s) => [s]), ...(scalars.length > 1 ? [scalars] : [])] : [];
  let values = [...scalars, ...elements, ...objects.values];
  const home = decl?.initial;
  // SPEC.md §11: a declared fact takes any value of its initial value's type; an undeclared one, any value.
  if (home !== undefined) values = values.filter((v) => typeOf(v) === typeOf(home));
  const stale = decl?.maxAge !== undefined || decl?.whenStale !== undefined ? [decl.whenStale] : [];
  return { name, values: unique([home, ...values, ...stale]), home, exact: objects.exact, actuator: false };
}

/** An actuator fact takes every state of its actuator (SPEC.md §11); a numeric one, its range split at the constants. */
function actuatorDomain(name: string, spec: ActuatorSpec | undefined, constants: unknown[]): FactDomain {
  if (!spec) return { name, values: [undefined], home: undefined, exact: true, actuator: true };
  const home = spec.default ?? spec.initial;
  let states: unknown[];
  if (spec.range) {
    const [min, max] = spec.range;
    states = splitPoints([min, max, ...constants]).filter((v) => typeof v === 'number' && v >= min && v <= max);
  } else states = [...(spec.states ?? [])];
  return { name, values: unique([home, ...states]), home, exact: true, actuator: true };
}

/** The domain of every fact some rule reads, split at the constants all the rules compare it against. */
export function factDomains(config: CoreConfig): Map<string, FactDomain> {
  const comparisons = new Map<string, FactComparisons>();
  for (const rule of config.policies) collectComparisons(rule.conditions, comparisons);
  const declarations = new Map(config.facts.map((f) => [f.name, f]));
  const actuators = new Map(config.actuators.map((a) => [a.id, a]));
  const domains = new Map<string, FactDomain>();
  for (const rule of config.policies) {
    for (const name of rule.facts) {
      if (domains.has(name)) continue;
      const constants = sharedConstants(comparisons, name);
      domains.set(
        name,
        name.startsWith(ACTUATOR_FACT_PREFIX)
          ? actuatorDomain(name, actuators.get(name.slice(ACTUATOR_FACT_PREFIX.length)), constants)
          : ordinaryDomain(name, declarations.get(name), comparisons.get(name), constants),
      );
    }
  }
  return domains;
}
