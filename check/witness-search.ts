import type { ActuatorSpec, StateValue } from '../engine/core/actuator';
import type { CoreConfig } from '../engine/core/arbiter-core';
import { comparePriority } from '../engine/core/lattice';
import type { ArbiterEvent } from '../engine/core/events';
import { parseScenario } from '../scenario/scenario-schema';
import { runScenario } from '../scenario/run-scenario';
import { valueKey, type Assignment } from './assignments';
import { claimableStates, type Capability } from './claim-capabilities';
import type { ConfigSlicer } from './config-slice';
import type { FactDomain } from './fact-domains';
import type { Witness } from './finding';

/** A scenario document (SPEC.md §10), as `check --scenarios` writes it. */
export type ScenarioDoc = Record<string, unknown>;

export interface WitnessFound {
  readonly witness: Witness;
  /** A scenario that sets the witness and expects what the finding says; `home-arbiter replay` passes on it. */
  readonly scenario: ScenarioDoc;
}

/** Replays tried per finding, at most: candidates first, then the finding's other actuators. */
export const MAX_WITNESS_RUNS = 6;
const MAX_TARGETS_TRIED = 2;

export interface ConflictQuery {
  readonly title: string;
  readonly description: string;
  /** The two claims on each actuator the finding concerns; the scenario tries the first few. */
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

/** Rules claim when the facts are set, then systems command, then a person changes the device by hand. */
const order = (c: Capability) => (c.rule ? 0 : c.system ? 1 : 2);

/**
 * Turns candidate fact values into witnesses that hold when replayed: each candidate becomes a scenario on the
 * slice of the home that decides the finding, and is run by the replay itself (`runScenario`, the real engine
 * in virtual time). Only a candidate whose run shows what the finding says is kept, with that scenario.
 */
export class WitnessSearch {
  /** Scenarios replayed so far, for the report. */
  runs = 0;
  private readonly actuators: ReadonlyMap<string, ActuatorSpec>;

  constructor(
    config: CoreConfig,
    private readonly slicer: ConfigSlicer,
    private readonly domains: ReadonlyMap<string, FactDomain>,
  ) {
    this.actuators = new Map(config.actuators.map((a) => [a.id, a]));
  }

  /** The facts a scenario can set: actuator facts follow arbitration, and a fact not yet set has no value to write. */
  settable(candidates: readonly Assignment[]): Assignment[] {
    const seen = new Set<string>();
    const out: Assignment[] = [];
    for (const candidate of candidates) {
      const facts = Object.fromEntries(Object.entries(candidate).filter(([name, v]) => v !== undefined && !this.domains.get(name)?.actuator));
      const key = valueKey(Object.entries(facts).sort());
      if (!seen.has(key)) out.push(facts), seen.add(key);
    }
    return out;
  }

  /**
   * A conflict between the two claimants on one of the actuators, resolved as the lattice says: `tie` at equal
   * priority, otherwise `priority` with the higher claim the winner.
   */
  async conflict(q: ConflictQuery): Promise<WitnessFound | undefined> {
    const tries = this.settable(q.candidates).flatMap((facts) => [...q.claims.keys()].slice(0, MAX_TARGETS_TRIED).map((target) => ({ facts, target })));
    for (const { facts, target } of tries.slice(0, MAX_WITNESS_RUNS)) {
      const pair = q.claims.get(target)!;
      const [first, second] = [...pair].sort((a, b) => order(a) - order(b));
      const priority = comparePriority(first, second);
      const winner = priority > 0 ? first.claimant : priority < 0 ? second.claimant : undefined;
      const resolution = priority === 0 ? 'tie' : 'priority';
      const claimants = new Set([first.claimant, second.claimant]);
      const steps = [...factStep(facts), ...claimSteps(this.actuators.get(target)!, first, second)];
      const seeds = { actuators: [target], systems: pair.flatMap((c) => (c.system ? [c.system.id] : [])), rules: pair.flatMap((c) => (c.rule ? [c.rule.name] : [])) };
      const doc: ScenarioDoc = { name: q.title, description: q.description, ...this.slicer.slice(seeds), steps };
      const shown = (await this.replay(doc)).find(
        (e): e is Extract<ArbiterEvent, { type: 'conflict' }> =>
          e.type === 'conflict' && e.target === target && e.resolution === resolution && claimants.has(e.winner) && claimants.has(e.loser) && e.winner !== e.loser && (winner === undefined || e.winner === winner),
      );
      if (shown) {
        const expected = { type: 'conflict', target, winner: shown.winner, loser: shown.loser, resolution };
        return { witness: { facts }, scenario: { ...doc, steps: [...steps, { at: 0, expect: { events: [expected] } }] } };
      }
    }
    return undefined;
  }

  async loop(q: LoopQuery): Promise<WitnessFound | undefined> {
    for (const facts of this.settable(q.candidates)) {
      const steps = factStep(facts);
      const doc: ScenarioDoc = { name: q.title, description: q.description, ...this.slicer.slice({ actuators: q.actuators, rules: q.rules }), steps };
      if ((await this.replay(doc)).some((e) => e.type === 'alarm' && e.kind === 'policy-loop')) {
        return { witness: { facts }, scenario: { ...doc, steps: [...steps, { at: 0, expect: { events: [{ type: 'alarm', kind: 'policy-loop' }] } }] } };
      }
    }
    return undefined;
  }

  /** As `home-arbiter replay` runs a file: validated from its document, then replayed in virtual time. */
  private async replay(doc: ScenarioDoc): Promise<readonly ArbiterEvent[]> {
    this.runs++;
    return (await runScenario(parseScenario(doc, String(doc.name)))).events;
  }
}

function factStep(facts: Assignment): Record<string, unknown>[] {
  return Object.keys(facts).length > 0 ? [{ at: 0, fact: facts }] : [];
}

/** A command for a system, a report for a person; rules claim through the facts. States differ between the two. */
function claimSteps(actuator: ActuatorSpec, first: Capability, second: Capability): Record<string, unknown>[] {
  const states = claimableStates(actuator);
  const firstState: StateValue = first.state ?? states.find((s) => s !== second.state) ?? states[0];
  const secondState: StateValue = second.state ?? states.find((s) => s !== firstState) ?? states[0];
  const step = (c: Capability, state: StateValue): Record<string, unknown>[] => {
    if (c.system) return [{ at: 0, command: { system: c.system.id, target: actuator.id, state, category: c.category } }];
    return c.rule ? [] : [{ at: 0, report: { target: actuator.id, state } }];
  };
  return [...step(first, firstState), ...step(second, secondState)];
}
