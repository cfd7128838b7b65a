import type { ActuatorSpec } from '../engine/core/actuator';
import type { CoreConfig } from '../engine/core/arbiter-core';
import { assignmentCount, assignments, takeFirst, type Assignment } from './assignments';
import { ClaimCapabilities, type Capability } from './claim-capabilities';
import { claimPairs, pairFinding } from './claim-pairs';
import { CoOccurrence } from './co-occurrence';
import { ConfigSlicer } from './config-slice';
import { deadRuleFinding, isDead } from './dead-rules';
import { factDomains } from './fact-domains';
import { factWriterFindings } from './fact-writers';
import { compareFindings, type Finding } from './finding';
import { listed } from './finding-text';
import { manualOverrideFinding, manualOverrides } from './manual-overrides';
import { loopFinding, loopMessage, ruleCycles } from './rule-cycles';
import { ruleSatisfaction, type RuleSatisfaction } from './rule-satisfaction';
import { WitnessSearch, type ScenarioDoc, type WitnessFound } from './witness-search';

/** Fact combinations replayed per dependency cycle of rules, at most, looking for a loop. */
export const MAX_LOOP_CANDIDATES = 64;
/** Fact values kept per pair of claims, as candidates for a witness. */
const WITNESS_CANDIDATES = 16;

export interface CheckResult {
  readonly findings: readonly Finding[];
  /** Where a bound cut the search or something could not be decided: the report says so, never "none". */
  readonly notes: readonly string[];
  /** The witness scenario of each finding that has a witness. */
  readonly scenarios: ReadonlyMap<Finding, ScenarioDoc>;
  /** How much was explored: rule evaluations over the split domains, and scenarios replayed for witnesses. */
  readonly explored: { readonly evaluations: number; readonly replays: number; readonly cycles: number };
}

/**
 * `home-arbiter check` (SPEC.md §11) on a validated configuration. The facts' domains are split at the constants
 * the conditions compare against; each rule is evaluated by json-rules-engine on every combination of its facts
 * (while they are few); pairs of claimants are judged by the engine's own lattice; and every witness is a scenario
 * replayed by the engine itself, so that what the check prints is what happens at run time. `signal` stops it
 * between two steps (a server that stops before its check is done).
 */
export async function checkConfig(config: CoreConfig, options: { readonly signal?: AbortSignal } = {}): Promise<CheckResult> {
  const stopIfAborted = () => options.signal?.throwIfAborted();
  const domains = factDomains(config);
  const notes: string[] = [];
  const findings: Finding[] = [];
  const scenarios = new Map<Finding, ScenarioDoc>();
  const slicer = new ConfigSlicer(config);

  for (const d of domains.values()) if (!d.exact) notes.push(`fact "${d.name}": a condition reads it through a path the check cannot build values for; rules reading it are not called dead`);
  const satisfaction = new Map<string /* rule name */, RuleSatisfaction>();
  for (const rule of config.policies) {
    stopIfAborted();
    const s = await ruleSatisfaction(rule, domains);
    satisfaction.set(rule.name, s);
    if (s.error) notes.push(`rule "${rule.name}" could not be evaluated: ${s.error}`);
    else if (!s.complete && s.satisfying.length === 0) notes.push(`rule "${rule.name}": ${s.explored} of ${s.total} combinations of its facts tried, none holds; whether it can hold is not decided`);
    if (isDead(s)) findings.push(deadRuleFinding(s, config.actuators));
  }
  const mayHold = config.policies.filter((r) => !isDead(satisfaction.get(r.name)!));
  const capabilities = new ClaimCapabilities(config.actuators, config.systems, mayHold);
  const search = new WitnessSearch(config, slicer, domains, capabilities);

  const co = new CoOccurrence(satisfaction, mayHold, domains);
  const together = (actuator: ActuatorSpec, a: Capability, b: Capability) => co.candidates(actuator, a, b, WITNESS_CANDIDATES).length > 0;
  const actuatorOf = new Map(config.actuators.map((a) => [a.id, a]));
  /** Candidates for a witness: where the two claims on the first of the actuators can be live at once. */
  const candidatesFor = (claims: ReadonlyMap<string, readonly [Capability, Capability]>): Assignment[] => {
    const [target, [a, b]] = [...claims][0];
    return co.witnessCandidates(actuatorOf.get(target)!, a, b, WITNESS_CANDIDATES);
  };

  const replayed = async <T>(what: string, find: () => Promise<T | undefined>): Promise<T | undefined> => {
    try {
      return await find();
    } catch (err) {
      notes.push(`no witness for ${what}: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  };
  const withWitness = (f: Finding, found: WitnessFound | undefined): Finding => {
    if (!found) return { ...f, message: `${f.message} (no witness: no replayed scenario showed it)` };
    const witnessed = { ...f, witness: found.witness };
    scenarios.set(witnessed, found.scenario);
    return witnessed;
  };

  for (const pair of claimPairs(config.actuators, capabilities, together)) {
    stopIfAborted();
    const f = pairFinding(pair);
    const title = `${f.kind}: ${f.claimants.join(' and ')}`;
    findings.push(withWitness(f, await replayed(title, () => search.conflict({ title, description: f.message, claims: pair.on, candidates: candidatesFor(pair.on) }))));
  }

  for (const o of manualOverrides(config.actuators, capabilities, together)) {
    stopIfAborted();
    const f = manualOverrideFinding(o);
    const title = `manual-overridden: ${o.target}`;
    const found = await replayed(title, async () => {
      for (const overrider of o.overriders.slice(0, 2)) {
        const claims = new Map([[o.target, [overrider, o.manual] as const]]);
        const shown = await search.conflict({ title, description: f.message, claims, candidates: candidatesFor(claims) });
        if (shown) return shown;
      }
      return undefined;
    });
    findings.push(withWitness(f, found));
  }

  const cycles = ruleCycles(mayHold, config.actuators);
  for (const cycle of cycles) {
    stopIfAborted();
    const { rules } = slicer.closure({ actuators: cycle.actuators, rules: cycle.rules });
    const factDomainsRead = [...new Set(config.policies.filter((r) => rules.has(r.name)).flatMap((r) => r.facts))].map((n) => domains.get(n)!).filter((d) => !d.actuator);
    const candidates = [...takeFirst(assignments(factDomainsRead), MAX_LOOP_CANDIDATES)];
    const title = `loop: ${listed(cycle.rules)}`;
    const found = await replayed(title, () => search.loop({ title, description: loopMessage(cycle), rules: cycle.rules, actuators: cycle.actuators, candidates }));
    if (found) {
      findings.push(withWitness(loopFinding(cycle), found));
      continue;
    }
    const total = assignmentCount(factDomainsRead);
    notes.push(
      `rules ${listed(cycle.rules.map((r) => `"${r}"`))} reach each other through ${listed(cycle.actuators.map((a) => `actuator:${a}`))}: ` +
        (candidates.length < total || factDomainsRead.some((d) => !d.exact)
          ? `${candidates.length} of ${total} fact combinations replayed from the initial state, none loops; the rest were not explored`
          : `all ${total} fact combinations replayed from the initial state, none loops (cascades started by commands are not explored)`),
    );
  }

  notes.push(...co.undecided);
  findings.push(...factWriterFindings(config));
  const evaluations = [...satisfaction.values()].reduce((n, s) => n + s.explored, 0);
  return { findings: findings.sort(compareFindings), notes, scenarios, explored: { evaluations, replays: search.runs, cycles: cycles.length } };
}
