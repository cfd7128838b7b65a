import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { buildCoreConfig } from '../../engine/config/arbiter-config';
import { ArbiterCore } from '../../engine/core/arbiter-core';
import { categoryLevel } from '../../engine/core/category';
import type { Claim } from '../../engine/core/claim';
import type { ArbiterEvent } from '../../engine/core/events';
import type { Scenario, Step } from '../../scenario/scenario-schema';
import { runScenario } from '../../scenario/run-scenario';

const config = buildCoreConfig({
  actuators: [
    { id: 'window', kind: 'window', initial: 'closed', safe: 'closed' },
    { id: 'light', kind: 'light', initial: 'off', default: 'off' },
    { id: 'lock', kind: 'lock', initial: 'locked', minHold: '30s' },
  ],
  systems: [
    { id: 'vent', category: 'comfort' },
    { id: 'humidity', category: 'comfort' },
    { id: 'scene', category: 'comfort', rank: 1 },
    { id: 'security', category: 'property' },
    { id: 'fire', category: 'life' },
    { id: 'media', category: 'entertainment' },
  ],
  // SPEC.md §6 writers: rain drives a property rule, so only property and life systems may write it.
  facts: [
    { name: 'rain', initial: false, writers: ['security', 'fire'] },
    { name: 'mode', initial: 'day', writers: ['vent', 'media'] },
  ],
  policies: [
    {
      name: 'rain-close',
      conditions: { all: [{ fact: 'rain', operator: 'equal', value: true }] },
      event: { type: 'assert', params: { target: 'window', state: 'closed', category: 'property' } },
    },
  ],
});
const STATES: Record<string, string[]> = { window: ['open', 'closed'], light: ['on', 'off'], lock: ['locked', 'unlocked'] };
const SYSTEMS = ['vent', 'humidity', 'scene', 'security', 'fire', 'media'];
const TARGETS = Object.keys(STATES);

type Action =
  | { kind: 'command'; system: string; target: string; state: string; ttl?: number }
  | { kind: 'release'; system: string; target: string }
  | { kind: 'report'; target: string; state: string }
  | { kind: 'fact'; rain: boolean }
  | { kind: 'write'; system: string; facts: Record<string, unknown> }
  | { kind: 'fail' | 'recover'; target: string };

const target = fc.constantFrom(...TARGETS);
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ system: fc.constantFrom(...SYSTEMS), target, pick: fc.nat(1), ttl: fc.option(fc.constantFrom(10_000, 60_000, 600_000), { nil: undefined }) })
      .map(({ system, target, pick, ttl }) => ({ kind: 'command' as const, system, target, state: STATES[target][pick], ...(ttl ? { ttl } : {}) })) },
  { weight: 2, arbitrary: fc.record({ system: fc.constantFrom(...SYSTEMS), target }).map((r) => ({ kind: 'release' as const, ...r })) },
  { weight: 1, arbitrary: fc.record({ target, pick: fc.nat(1) }).map(({ target, pick }) => ({ kind: 'report' as const, target, state: STATES[target][pick] })) },
  { weight: 1, arbitrary: fc.boolean().map((rain) => ({ kind: 'fact' as const, rain })) },
  {
    weight: 1,
    arbitrary: fc
      .record({ system: fc.constantFrom(...SYSTEMS, 'stranger'), rain: fc.option(fc.boolean(), { nil: undefined }), mode: fc.option(fc.constantFrom('day', 'night'), { nil: undefined }) })
      .map(({ system, rain, mode }) => ({ kind: 'write' as const, system, facts: { ...(mode !== undefined ? { mode } : {}), ...(rain !== undefined ? { rain } : {}) } })),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('fail' as const, 'recover' as const), target }) },
);
const delay = fc.constantFrom(0, 1_000, 15_000, 45_000, 300_000);
const timed = fc.array(fc.record({ delay, action }), { minLength: 1, maxLength: 40 });
/** Devices dropping off and life commands, often enough that one life state meets an unreachable device twice. */
const faulty = fc.array(
  fc.record({
    delay,
    action: fc.oneof(
      { weight: 3, arbitrary: action },
      { weight: 2, arbitrary: fc.record({ target, pick: fc.nat(1) }).map(({ target, pick }) => ({ kind: 'command' as const, system: 'fire', target, state: STATES[target][pick] })) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('fail' as const), target }) },
    ),
  }),
  { minLength: 1, maxLength: 40 },
);

/** The lattice written out independently of lattice.ts: [category, manual, rank], compared left to right. */
function outranks(a: Claim, b: Claim): boolean {
  const key = (c: Claim) => [categoryLevel(c.category), c.manual ? 1 : 0, c.rank];
  const [ka, kb] = [key(a), key(b)];
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] > kb[i];
  return false;
}

type Check = (core: ArbiterCore, events: readonly ArbiterEvent[], action?: Action) => void;

/**
 * Drives the pure core directly, confirming every dispatch at once like a perfect device (an unavailable one gets
 * none). The start is checked, then deadlines fire instant by instant, each checked on its own, then the action.
 */
function driveCore(steps: { delay: number; action: Action }[], check: Check): ArbiterCore {
  const core = new ArbiterCore({ ...config, policies: [] });
  let now = 0;
  const settle = () => {
    const all: ArbiterEvent[] = [];
    for (let events = core.takeEvents(); events.length > 0; events = core.takeEvents()) {
      all.push(...events);
      for (const e of events) if (e.type === 'dispatched') core.confirm(e.target, e.state, now);
    }
    return all;
  };
  core.start(now);
  check(core, settle());
  for (const { delay, action: a } of steps) {
    now += delay;
    for (let due = core.nextDeadline(); due !== undefined && due <= now; due = core.nextDeadline()) {
      core.tick(due);
      check(core, settle());
    }
    if (a.kind === 'command') core.command(a, now);
    else if (a.kind === 'release') core.release(a.system, a.target, now);
    else if (a.kind === 'report') core.report(a.target, a.state, now);
    else if (a.kind === 'write') core.writeFacts(a.facts, { system: a.system }, now);
    else if (a.kind === 'fail' || a.kind === 'recover') core.setAvailable(a.target, a.kind === 'recover', now);
    check(core, settle(), a);
  }
  return core;
}

function toScenario(steps: { delay: number; action: Action }[], restartAt?: number): Scenario {
  let at = 0;
  const out: Step[] = [];
  const push = (step: Omit<Step, 'index'>) => out.push({ ...step, index: out.length } as Step);
  steps.forEach(({ delay, action: a }, i) => {
    at += delay;
    if (i === restartAt) push({ at, kind: 'restart', restart: true });
    if (a.kind === 'command') push({ at, kind: 'command', command: { system: a.system, target: a.target, state: a.state, ...(a.ttl ? { ttl: a.ttl } : {}) } });
    else if (a.kind === 'release') push({ at, kind: 'release', release: { system: a.system, target: a.target } });
    else if (a.kind === 'report') push({ at, kind: 'report', report: { target: a.target, state: a.state } });
    else if (a.kind === 'write') push({ at, kind: 'fact', fact: a.facts, by: a.system });
    else if (a.kind === 'fact') push({ at, kind: 'fact', fact: { rain: a.rain } });
    else push({ at, kind: a.kind, [a.kind]: a.target });
  });
  push({ at: at + 3_600_000, kind: 'expect', expect: {} });
  return { name: 'generated', config, steps: out };
}

describe('invariants (fast-check)', () => {
  it('the winner is always the highest-priority live claim, so a lower category never overrides a higher one', () => {
    fc.assert(
      fc.property(timed, (steps) => {
        driveCore(steps, (core) => {
          for (const id of TARGETS) {
            const claims = core.claimsOn(id);
            const owner = core.actuator(id)!.winner;
            if (claims.length === 0) return assert.equal(owner, null);
            const winner = claims.find((c) => c.claimant === owner);
            assert.ok(winner, `${id} has claims but its owner ${owner} holds none`);
            for (const c of claims) {
              assert.ok(!outranks(c, winner), `${c.claimant} outranks the winner ${owner} on ${id}`);
              assert.ok(categoryLevel(c.category) <= categoryLevel(winner.category));
            }
            assert.equal(core.actuator(id)!.desired, winner.state);
          }
        });
      }),
      { numRuns: 200 },
    );
  });

  it('a control system never changes a fact whose writers do not list it, and a listed one always does (SPEC.md §6)', () => {
    const writers: Record<string, readonly string[]> = Object.fromEntries(config.facts.map((f) => [f.name, f.writers ?? []]));
    fc.assert(
      fc.property(timed, (steps) => {
        let before = new Map<string, unknown>();
        driveCore(steps, (core, events, a) => {
          const after = new Map(core.factRecords().map((f) => [f.name, f.updatedAt]));
          if (a?.kind === 'write') {
            const allowed = !core.isQuarantined(a.system) && Object.keys(a.facts).every((name) => writers[name]?.includes(a.system));
            const wasQuarantined = events.some((e) => e.type === 'denied' && e.reason === 'quarantined');
            for (const name of Object.keys(a.facts)) {
              if (allowed && !wasQuarantined) assert.equal(core.fact(name)?.value, a.facts[name], `${a.system} may write ${name}`);
              else assert.equal(after.get(name), before.get(name), `${a.system} changed ${name} without being its writer`);
            }
            assert.equal(events.some((e) => e.type === 'denied'), !(allowed && !wasQuarantined));
          }
          before = after;
        });
      }),
      { numRuns: 200 },
    );
  });

  it('an undeliverable alarm comes exactly when a life winner differs from the state of an unavailable actuator, once per state (SPEC.md §4)', () => {
    fc.assert(
      fc.property(faulty, (steps) => {
        const told = new Map<string /* actuator */, unknown /* life state last told while unavailable */>();
        driveCore(steps, (core, events, a) => {
          if (a?.kind === 'recover') told.delete(a.target);
          for (const id of TARGETS) {
            const rec = core.actuator(id)!;
            const winner = rec.winner === null ? undefined : core.claim(rec.winner, id);
            const undeliverable = !rec.available && winner?.category === 'life' && winner.state !== rec.state;
            const expected = undeliverable && told.get(id) !== winner!.state ? [winner!.state] : [];
            if (expected.length > 0) told.set(id, winner!.state);
            const alarms = events.filter((e) => e.type === 'alarm' && e.kind === 'undeliverable' && e.target === id).map((e) => (e as { state?: unknown }).state);
            assert.deepEqual(alarms, expected, `${id} after ${JSON.stringify(a)}`);
          }
        });
      }),
      { numRuns: 300 },
    );
  });

  it('releasing every claim leaves no owner', () => {
    fc.assert(
      fc.property(timed, (steps) => {
        const core = driveCore(steps, () => undefined);
        for (const id of TARGETS) for (const c of core.claimsOn(id)) core.release(c.claimant, id, 1e12);
        for (const id of TARGETS) assert.equal(core.actuator(id)!.winner, null);
      }),
      { numRuns: 200 },
    );
  });

  it('replaying the same scenario twice gives identical event logs', async () => {
    await fc.assert(
      fc.asyncProperty(timed, async (steps) => {
        const scenario = toScenario(steps);
        const [first, second] = [await runScenario(scenario), await runScenario(scenario)];
        assert.deepEqual(second.events, first.events);
      }),
      { numRuns: 50 },
    );
  });

  it('a restart in the middle of any sequence ends in the same states as no restart', async function () {
    this.timeout(180_000); // hundreds of runs on the real SQLite store: slow on a loaded machine, not a speed test
    await fc.assert(
      fc.asyncProperty(
        timed.chain((steps) => fc.tuple(fc.constant(steps), fc.nat(steps.length - 1))),
        async ([steps, restartAt]) => {
          const plain = await runScenario(toScenario(steps), { store: 'memory' });
          const restarted = await runScenario(toScenario(steps, restartAt), { store: 'sqlite' });
          assert.deepEqual(restarted.final, plain.final);
        },
      ),
      { numRuns: 200 },
    );
  });
});
