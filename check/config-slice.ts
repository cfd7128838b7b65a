import { DEFAULT_MANUAL, KIND_STATES, type ActuatorSpec } from '../engine/core/actuator';
import type { CoreConfig } from '../engine/core/arbiter-core';
import type { SystemSpec } from '../engine/core/control-system';
import { formatDuration } from '../engine/core/duration';
import type { FactDeclaration } from '../engine/core/fact-table';
import { DEFAULT_MONITOR_SETTINGS, type MonitorSettings } from '../engine/monitors/monitor';
import { ACTUATOR_FACT_PREFIX, type PolicyRule } from '../engine/core/policy-rule';
import { selects } from '../engine/core/selector';

/** A configuration document as a scenario file writes it (SPEC.md §10): what `coreConfigFrom` reads back. */
export type RawConfig = Record<string, unknown>;

const sameList = (a: readonly unknown[] | undefined, b: readonly unknown[] | undefined) => !!a && !!b && a.length === b.length && a.every((x, i) => x === b[i]);

export function rawActuator(a: ActuatorSpec): Record<string, unknown> {
  const manual = a.manual === false ? false : a.manual.category !== DEFAULT_MANUAL.category || a.manual.ttl !== DEFAULT_MANUAL.ttl ? { category: a.manual.category, ttl: formatDuration(a.manual.ttl) } : undefined;
  return {
    id: a.id,
    kind: a.kind,
    ...(a.states && !sameList(a.states, KIND_STATES[a.kind]) ? { states: a.states } : {}),
    ...(a.range ? { range: a.range } : {}),
    ...(a.initial !== undefined ? { initial: a.initial } : {}),
    ...(a.safe !== undefined ? { safe: a.safe } : {}),
    ...(a.default !== undefined ? { default: a.default } : {}),
    ...(a.zone ? { zone: a.zone } : {}),
    ...(a.tags.length > 0 ? { tags: a.tags } : {}),
    ...(a.minHold > 0 ? { minHold: formatDuration(a.minHold) } : {}),
    ...(manual !== undefined ? { manual } : {}),
  };
}

export function rawSystem(s: SystemSpec): Record<string, unknown> {
  return { id: s.id, category: s.category, ...(s.rank !== 0 ? { rank: s.rank } : {}), ...(s.targets.includes('*') ? {} : { targets: s.targets }) };
}

/** A rule as written: the defaults (`rank: 0`, `below: life`) left out. */
export function rawRule(rule: PolicyRule): Record<string, unknown> {
  const { type, ...params } = rule.effect as Record<string, unknown>;
  if (params.rank === 0) delete params.rank;
  if (params.below === 'life') delete params.below;
  return { name: rule.name, conditions: rule.conditions, event: { type, params }, ...(rule.priority !== undefined ? { priority: rule.priority } : {}) };
}

export function rawFact(f: FactDeclaration): Record<string, unknown> {
  return { ...f, ...(f.maxAge !== undefined ? { maxAge: formatDuration(f.maxAge) } : {}) };
}

/** Only the monitor settings that differ from the defaults (SPEC.md §7). */
export function rawMonitors(m: MonitorSettings): Record<string, unknown> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const key of Object.keys(m) as (keyof MonitorSettings)[]) {
    for (const [name, value] of Object.entries(m[key])) {
      if (value === (DEFAULT_MONITOR_SETTINGS[key] as Record<string, number>)[name]) continue;
      (out[key] ??= {})[name] = name === 'window' || name === 'for' ? formatDuration(value) : value;
    }
  }
  return out;
}

/** The actuators an `assert` or a `forbid` acts on; undefined for a forbid without a target (every actuator). */
function actedOn(rule: PolicyRule, actuators: readonly ActuatorSpec[]): string[] | undefined {
  const effect = rule.effect;
  if (effect.type === 'notify') return [];
  if (effect.target === undefined) return undefined;
  return actuators.filter((a) => selects(effect.target!, a)).map((a) => a.id);
}

export interface SliceSeeds {
  readonly actuators: Iterable<string>;
  readonly systems?: Iterable<string>;
  readonly rules?: Iterable<string>;
}

/**
 * The part of a home that decides what happens to some actuators: the rules that act on them, the actuators
 * whose `actuator:<id>` facts those rules read (and, again, the rules acting on those), the facts the rules read,
 * and the systems named. A scenario on the slice behaves on those actuators as the whole home would, and stays
 * small enough to read (a witness scenario of `home-arbiter check --scenarios`).
 */
export class ConfigSlicer {
  private readonly actingOn = new Map<string /* actuator id */, PolicyRule[]>();
  private readonly everywhere: PolicyRule[] = [];
  private readonly readsActuators = new Map<string /* rule name */, string[]>();
  /** With their place in the configuration, which a slice keeps (json-rules-engine reports rules in that order). */
  private readonly actuators: Map<string /* actuator id */, { spec: ActuatorSpec; index: number }>;
  private readonly rules: Map<string /* rule name */, { rule: PolicyRule; index: number }>;

  constructor(private readonly config: CoreConfig) {
    this.actuators = new Map(config.actuators.map((spec, index) => [spec.id, { spec, index }]));
    this.rules = new Map(config.policies.map((rule, index) => [rule.name, { rule, index }]));
    const known = new Set(config.actuators.map((a) => a.id));
    for (const rule of config.policies) {
      const ids = actedOn(rule, config.actuators);
      if (ids === undefined) this.everywhere.push(rule);
      else for (const id of ids) this.actingOn.set(id, [...(this.actingOn.get(id) ?? []), rule]);
      const read = rule.facts.filter((f) => f.startsWith(ACTUATOR_FACT_PREFIX)).map((f) => f.slice(ACTUATOR_FACT_PREFIX.length));
      this.readsActuators.set(rule.name, read.filter((id) => known.has(id)));
    }
  }

  /** The rules and actuators the seeds depend on, closed under "acts on" and "reads the actuator fact of". */
  closure(seeds: SliceSeeds): { actuators: Set<string>; rules: Set<string> } {
    const actuators = new Set<string>();
    const rules = new Set<string>();
    const addRule = (rule: string) => {
      if (rules.has(rule)) return;
      rules.add(rule);
      for (const id of this.readsActuators.get(rule) ?? []) addActuator(id);
    };
    const addActuator = (id: string) => {
      if (actuators.has(id)) return;
      actuators.add(id);
      for (const rule of this.actingOn.get(id) ?? []) addRule(rule.name);
    };
    for (const id of seeds.actuators) addActuator(id);
    for (const rule of seeds.rules ?? []) addRule(rule);
    for (const rule of this.everywhere) addRule(rule.name);
    return { actuators, rules };
  }

  /** The slice as the engine takes it, without a round trip through the file format; the home's order is kept. */
  slice(seeds: SliceSeeds): CoreConfig {
    const { actuators, rules } = this.closure(seeds);
    const policies = [...rules].map((name) => this.rules.get(name)!).sort((a, b) => a.index - b.index).map((r) => r.rule);
    const factNames = new Set(policies.flatMap((r) => r.facts));
    const facts = this.config.facts.filter((f) => factNames.has(f.name));
    const systems = new Set(seeds.systems ?? []);
    for (const rule of policies) if (rule.effect.type === 'forbid' && rule.effect.system) systems.add(rule.effect.system);
    for (const fact of facts) for (const writer of fact.writers ?? []) systems.add(writer);
    return {
      actuators: [...actuators].map((id) => this.actuators.get(id)!).sort((a, b) => a.index - b.index).map((a) => a.spec),
      systems: this.config.systems.filter((s) => systems.has(s.id)),
      facts,
      policies,
      monitors: this.config.monitors,
    };
  }
}

/** A configuration as a scenario file writes it (SPEC.md §10): what `coreConfigFrom` reads back as `config`. */
export function rawConfig(config: CoreConfig): RawConfig {
  const monitors = rawMonitors(config.monitors);
  return {
    ...(Object.keys(monitors).length > 0 ? { config: monitors } : {}),
    actuators: config.actuators.map(rawActuator),
    ...(config.systems.length > 0 ? { systems: config.systems.map(rawSystem) } : {}),
    ...(config.facts.length > 0 ? { facts: config.facts.map(rawFact) } : {}),
    ...(config.policies.length > 0 ? { policies: config.policies.map(rawRule) } : {}),
  };
}
