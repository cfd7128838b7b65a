import type { ActuatorSpec, StateValue } from '../engine/core/actuator';
import type { CoreConfig } from '../engine/core/arbiter-core';
import type { ArbiterEvent } from '../engine/core/events';
import { comparePriority } from '../engine/core/lattice';
import { ACTUATOR_FACT_PREFIX } from '../engine/core/policy-rule';
import { runScenario } from '../scenario/run-scenario';
import { STEP_KINDS, type Step } from '../scenario/scenario-schema';
import { valueKey, type Assignment } from './assignments';
import { claimableStates, type Capability, type ClaimCapabilities } from './claim-capabilities';
import { rawConfig, type ConfigSlicer, type SliceSeeds } from './config-slice';
import type { FactDomain } from './fact-domains';
import type { Witness } from './finding';

/** A scenario document (SPEC.md §10), as `check --scenarios` writes it. */
export type ScenarioDoc = Record<string, unknown>;
type RawStep = Record<string, unknown>;

/** A candidate as a scenario brings it about: the steps that set it, and the systems they need. */
interface Setup {
  readonly witness: Record<string, unknown>;
  readonly steps: readonly RawStep[];
  readonly systems: readonly string[];
}

export interface WitnessFound {
  readonly witness: Witness;
  /** A scenario that sets the witness and expects what the finding says; `home-arbiter replay` passes on it. */
  readonly scenario: ScenarioDoc;
}

/** Replays tried per finding, at most: candidates, then the finding's other actuators, then the other order. */
export const MAX_WITNESS_RUNS = 6;
const MAX_TARGETS_TRIED = 2;

export interface ConflictQuery {
  readonly title: string;
  readonly description: string;
  /** The two claims on each actuator the finding concerns; the search tries the first few. */
  readonly claims: ReadonlyMap<string /* actuator id */, readonly [Capability, Capability]>;
  /** Fact values to try, best first. */
  readonly candidates: readonly Assignment[];
}

export interface LoopQuery {
  readonly title: string;
  readonly description: string;
  readonly rules: readonly string[];
  readonly actuators: readonly string[];
  readonly candidates: readonly Assignment[];
}

/** Systems command before a person changes the device by hand. */
const order = (c: Capability) => (c.rule ? 0 : c.system ? 1 : 2);

/**
 * Turns candidate fact values into witnesses that hold when replayed: each candidate becomes a scenario on the
 * slice of the home that decides the finding, run by the replay itself (`runScenario`: the engine in virtual time).
 * Only a candidate whose run shows what the finding says is kept, with its scenario document.
 */
export class WitnessSearch {
  /** Scenarios replayed so far, for the report. */
  runs = 0;
  private readonly actuators: ReadonlyMap<string, ActuatorSpec>;

  constructor(
    config: CoreConfig,
    private readonly slicer: ConfigSlicer,
    private readonly domains: ReadonlyMap<string, FactDomain>,
    /** Who can put an actuator in a state for a witness: its systems and, where it records them, a person. */
    private readonly setters: ClaimCapabilities,
  ) {
    this.actuators = new Map(config.actuators.map((a) => [a.id, a]));
  }

  /**
   * How a scenario brings about each candidate: ordinary facts by a `fact` step (a fact not yet set has no value
   * to write); an `actuator:<id>` fact away from its starting value by a command of the strongest system that may
   * command the actuator, or else by a person's change at the device. Candidates it cannot bring about are dropped.
   */
  realizable(candidates: readonly Assignment[]): Setup[] {
    const seen = new Set<string>();
    const out: Setup[] = [];
    for (const candidate of candidates) {
      const facts: Record<string, unknown> = {};
      const witness: Record<string, unknown> = {};
      const steps: RawStep[] = [];
      const systems: string[] = [];
      let possible = true;
      for (const [name, value] of Object.entries(candidate)) {
        const domain = this.domains.get(name);
        if (value === undefined || (domain?.actuator && valueKey(value) === valueKey(domain.home))) continue;
        witness[name] = value;
        if (!domain?.actuator) {
          facts[name] = value;
          continue;
        }
        const target = name.slice(ACTUATOR_FACT_PREFIX.length);
        const setter = this.setters.on(target).filter((c) => !c.rule).sort((a, b) => comparePriority(b, a))[0];
        if (!setter) possible = false;
        else if (setter.system) {
          steps.push({ at: 0, command: { system: setter.system.id, target, state: value, category: setter.category } });
          systems.push(setter.system.id);
        } else steps.push({ at: 0, report: { target, state: value } });
      }
      const key = valueKey(Object.entries(witness).sort());
      if (possible && !seen.has(key)) out.push({ witness, steps: [...steps, ...factStep(facts)], systems }), seen.add(key);
    }
    return out;
  }

  /**
   * A conflict between the two claimants on one of the actuators, resolved as the lattice says: `tie` at equal
   * priority, otherwise `priority` with the higher claim the winner. The facts are set first (the rules claim,
   * then the others); failing that, the others claim first and the rules start over them.
   */
  async conflict(q: ConflictQuery): Promise<WitnessFound | undefined> {
    let runs = 0;
    for (const setup of this.realizable(q.candidates)) {
      for (const target of [...q.claims.keys()].slice(0, MAX_TARGETS_TRIED)) {
        const pair = q.claims.get(target)!;
        const [first, second] = [...pair].sort((a, b) => order(a) - order(b));
        const claims = claimSteps(this.actuators.get(target)!, first, second);
        const orders = first.rule && !second.rule ? [[...setup.steps, ...claims], [...claims, ...setup.steps]] : [[...setup.steps, ...claims]];
        for (const steps of orders.filter((s) => s.length > 0)) {
          if (runs++ >= MAX_WITNESS_RUNS) return undefined;
          const seeds = { actuators: [target], systems: [...setup.systems, ...pair.flatMap((c) => (c.system ? [c.system.id] : []))], rules: pair.flatMap((c) => (c.rule ? [c.rule.name] : [])) };
          const expected = expectedConflict(target, first, second);
          const shown = (await this.replay(seeds, steps)).find((e) => e.type === 'conflict' && expected.matches(e));
          if (shown?.type === 'conflict') {
            const expect = { type: 'conflict', target, winner: shown.winner, loser: shown.loser, resolution: shown.resolution };
            return { witness: { facts: setup.witness }, scenario: this.document(q, seeds, [...steps, { at: 0, expect: { events: [expect] } }]) };
          }
        }
      }
    }
    return undefined;
  }

  async loop(q: LoopQuery): Promise<WitnessFound | undefined> {
    for (const { witness, steps, systems } of this.realizable(q.candidates)) {
      const seeds = { actuators: q.actuators, rules: q.rules, systems };
      if ((await this.replay(seeds, steps)).some((e) => e.type === 'alarm' && e.kind === 'policy-loop')) {
        return { witness: { facts: witness }, scenario: this.document(q, seeds, [...steps, { at: 0, expect: { events: [{ type: 'alarm', kind: 'policy-loop' }] } }]) };
      }
    }
    return undefined;
  }

  /** The scenario file: the slice in the configuration format, the steps, and what the finding expects. */
  private document(q: { title: string; description: string }, seeds: SliceSeeds, steps: readonly RawStep[]): ScenarioDoc {
    return { name: q.title, description: q.description, ...rawConfig(this.slicer.slice(seeds)), steps };
  }

  /** As `home-arbiter replay` runs a scenario, on the slice the engine would build from the written file. */
  private async replay(seeds: SliceSeeds, steps: readonly RawStep[]): Promise<readonly ArbiterEvent[]> {
    this.runs++;
    const scenarioSteps = steps.map((s, index) => ({ ...s, kind: STEP_KINDS.find((k) => s[k] !== undefined)!, index }) as Step);
    return (await runScenario({ name: 'witness', config: this.slicer.slice(seeds), steps: scenarioSteps })).events;
  }
}

/** What the lattice says the conflict event must be: its claimants, and the winner unless it is a tie. */
function expectedConflict(target: string, a: Capability, b: Capability): { matches(e: Extract<ArbiterEvent, { type: 'conflict' }>): boolean } {
  const priority = comparePriority(a, b);
  const winner = priority > 0 ? a.claimant : priority < 0 ? b.claimant : undefined;
  const claimants = new Set([a.claimant, b.claimant]);
  return {
    matches: (e) =>
      e.target === target &&
      e.resolution === (priority === 0 ? 'tie' : 'priority') &&
      e.winner !== e.loser &&
      claimants.has(e.winner) &&
      claimants.has(e.loser) &&
      (winner === undefined || e.winner === winner),
  };
}

function factStep(facts: Assignment): RawStep[] {
  return Object.keys(facts).length > 0 ? [{ at: 0, fact: facts }] : [];
}

/** A command for a system, a report for a person; rules claim through the facts. The two states differ. */
function claimSteps(actuator: ActuatorSpec, first: Capability, second: Capability): RawStep[] {
  const states = claimableStates(actuator);
  const firstState: StateValue = first.state ?? states.find((s) => s !== second.state) ?? states[0];
  const secondState: StateValue = second.state ?? states.find((s) => s !== firstState) ?? states[0];
  const step = (c: Capability, state: StateValue): RawStep[] => {
    if (c.system) return [{ at: 0, command: { system: c.system.id, target: actuator.id, state, category: c.category } }];
    return c.rule ? [] : [{ at: 0, report: { target: actuator.id, state } }];
  };
  return [...step(first, firstState), ...step(second, secondState)];
}
