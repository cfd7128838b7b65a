import { Engine } from 'json-rules-engine';
import type { ActuatorSpec, StateValue } from '../../engine/core/actuator';
import type { CoreConfig } from '../../engine/core/arbiter-core';
import { forbidMatches, type CommandInput } from '../../engine/core/admission';
import { categoryLevel, isCategory } from '../../engine/core/category';
import type { SystemSpec } from '../../engine/core/control-system';
import { selects, selectsAny } from '../../engine/core/selector';
import type { PolicyEffect } from '../../engine/core/policy-rule';

interface NaiveClaim {
  readonly claimant: string;
  readonly state: StateValue;
  readonly level: number;
  readonly rank: number;
  readonly since: number;
}

export type NaiveOutcome = 'accepted' | 'deferred' | 'denied';

/**
 * The arbiter most people write with a rules engine, as a baseline (issue 6): every command runs json-rules-engine
 * over all the rules with the current facts and the command, the events that fire say which forbids and asserts
 * apply, and the highest-priority claim on the target wins. Written well: one `Engine` built once with every rule,
 * facts passed per run, claims in maps, the winner found by one scan (no sort), conflicts counted as SPEC.md §3
 * defines them. What it lacks by design is the incremental evaluation of the real engine, which runs the rules
 * only when a fact changes.
 */
export class NaiveArbiter {
  private readonly engine = new Engine([], { allowUndefinedFacts: true });
  private readonly actuators = new Map<string /* actuator id */, ActuatorSpec>();
  private readonly systems = new Map<string /* system id */, SystemSpec>();
  private readonly claims = new Map<string /* actuator id */, Map<string /* claimant */, NaiveClaim>>();
  private readonly winners = new Map<string /* actuator id */, NaiveClaim>();
  private facts: Record<string, unknown> = {};
  private seq = 0;
  conflicts = 0;

  constructor(config: CoreConfig) {
    for (const a of config.actuators) this.actuators.set(a.id, a);
    for (const s of config.systems) this.systems.set(s.id, s);
    for (const rule of config.policies) {
      this.engine.addRule({ name: rule.name, conditions: rule.conditions as any, event: { type: rule.effect.type, params: { rule: rule.name, effect: rule.effect } } });
    }
    for (const fact of config.facts) if (fact.initial !== undefined) this.facts[fact.name] = fact.initial;
  }

  setFacts(facts: Readonly<Record<string, unknown>>): void {
    this.facts = { ...this.facts, ...facts };
  }

  peek(target: string): { winner: string | null; desired: StateValue | undefined } {
    const winner = this.winners.get(target);
    return { winner: winner?.claimant ?? null, desired: winner?.state };
  }

  async command(command: CommandInput): Promise<NaiveOutcome> {
    const system = this.systems.get(command.system);
    const actuator = this.actuators.get(command.target);
    const category = command.category ?? system?.category;
    const state = command.state;
    if (!system || !actuator || typeof state !== 'string' || !actuator.states?.includes(state) || !isCategory(category)) return 'denied';
    if (categoryLevel(category) > categoryLevel(system.category) || !selectsAny(system.targets, actuator)) return 'denied';

    const { events } = await this.engine.run({ ...this.facts, command: { ...command, category } });
    const asserted: NaiveClaim[] = [];
    for (const event of events) {
      const { rule, effect } = event.params as { rule: string; effect: PolicyEffect };
      if (effect.type === 'forbid' && forbidMatches(effect, command.system, actuator, state, category)) return 'denied';
      if (effect.type === 'assert' && selects(effect.target, actuator)) {
        asserted.push({ claimant: `policy:${rule}`, state: effect.state, level: categoryLevel(effect.category), rank: effect.rank, since: -1 });
      }
    }

    let forTarget = this.claims.get(command.target);
    if (!forTarget) this.claims.set(command.target, (forTarget = new Map()));
    const claim: NaiveClaim = { claimant: command.system, state, level: categoryLevel(category), rank: system.rank, since: this.seq++ };
    forTarget.set(command.system, claim);
    const previous = this.winners.get(command.target);
    const winner = highest([...forTarget.values(), ...asserted]);
    this.winners.set(command.target, winner);
    if (previous && previous.claimant !== claim.claimant && previous.state !== claim.state) this.conflicts++;
    return winner.claimant === command.system ? 'accepted' : 'deferred';
  }
}

/** Category, then rank, then the earliest claim (policy claims count as earliest: they held before any command). */
function highest(claims: readonly NaiveClaim[]): NaiveClaim {
  let best = claims[0];
  for (const c of claims) {
    if (c.level > best.level || (c.level === best.level && (c.rank > best.rank || (c.rank === best.rank && c.since < best.since)))) best = c;
  }
  return best;
}
