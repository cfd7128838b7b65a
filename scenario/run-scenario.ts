import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Arbiter } from '../engine/arbiter';
import { silentLogger, type DecisionLogger } from '../engine/decision-logger';
import { VirtualClock } from '../engine/clock';
import type { ArbiterEvent } from '../engine/core/events';
import type { ArbiterStore } from '../engine/store/arbiter-store';
import { MemoryStore } from '../engine/store/memory-store';
import { NoStore } from '../engine/store/no-store';
import { SqliteStore } from '../engine/store/sqlite-store';
import type { Expectation, Scenario, Step } from './scenario-schema';

export interface StepFailure {
  readonly index: number;
  readonly at: number;
  readonly kind: string;
  /** One line per unmet expectation: what was expected and what was found. */
  readonly problems: readonly string[];
  /** Everything emitted since the previous `expect`, for the report. */
  readonly events: readonly ArbiterEvent[];
}

export interface ScenarioRun {
  readonly name: string;
  readonly passed: boolean;
  readonly steps: number;
  /** The whole event log, in order; replaying the same scenario must give the same one. */
  readonly events: readonly ArbiterEvent[];
  readonly failures: readonly StepFailure[];
  /** Every actuator's view when the scenario ended. */
  readonly final: Readonly<Record<string, { state: unknown; desired: unknown; owner: string | null }>>;
}

export type ReplayStore = 'auto' | 'none' | 'memory' | 'sqlite';

export interface RunOptions {
  /**
   * `auto` (default): the real SQLite store on a temporary file when the scenario restarts, none otherwise (a run
   * that never restarts never reads its store back).
   */
  readonly store?: ReplayStore;
  /** Silent by default: the report is the output. */
  readonly logger?: DecisionLogger;
}

const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));
const sameValue = (actual: unknown, expected: unknown) =>
  actual === expected || (actual !== undefined && actual !== null && expected !== null && String(actual) === String(expected));

function deepEqual(a: unknown, b: unknown): boolean {
  if (sameValue(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => deepEqual((a as any)[k], (b as any)[k]));
}

function matchesEvent(event: ArbiterEvent, expected: Record<string, unknown>): boolean {
  return Object.entries(expected).every(([k, v]) => deepEqual((event as any)[k], v));
}

/** SPEC.md §10 `expect`: each check says what it wanted and what it found. */
export function checkExpectation(expect: Expectation, arbiter: Arbiter, events: readonly ArbiterEvent[]): string[] {
  const problems: string[] = [];
  for (const [key, field] of [['state', 'state'], ['desired', 'desired'], ['owner', 'owner']] as const) {
    for (const [id, wanted] of Object.entries(expect[key] ?? {})) {
      const found = arbiter.view(id)?.[field];
      if (!sameValue(found ?? null, wanted) && !(wanted === null && found == null)) problems.push(`${key}.${id}: expected ${show(wanted)}, found ${show(found ?? null)}`);
    }
  }
  if (expect.events) {
    let from = 0;
    for (const [i, wanted] of expect.events.entries()) {
      const at = events.slice(from).findIndex((e) => matchesEvent(e, wanted));
      if (at < 0) {
        problems.push(`events[${i}]: expected ${show(wanted)}${i > 0 ? ' after the events matched before it' : ''}, not emitted`);
        break;
      }
      from += at + 1;
    }
  }
  for (const type of expect.noEvents ?? []) {
    const found = events.filter((e) => e.type === type);
    if (found.length > 0) problems.push(`noEvents: expected no ${type}, found ${found.length}: ${show(found[0])}`);
  }
  if (expect.dispatched) {
    const found = events.filter((e) => e.type === 'dispatched');
    const same =
      found.length === expect.dispatched.length &&
      expect.dispatched.every((d, i) => sameValue(found[i].target, d.target) && sameValue(found[i].state, d.state) && (d.by === undefined || found[i].by === d.by));
    if (!same) {
      const brief = (list: readonly { target: string; state: unknown; by?: string }[]) => `[${list.map((d) => `${d.target}=${String(d.state)}${d.by ? ` by ${d.by}` : ''}`).join(', ')}]`;
      problems.push(`dispatched: expected ${brief(expect.dispatched)}, found ${brief(found as any)}`);
    }
  }
  return problems;
}

async function apply(step: Step, arbiter: Arbiter): Promise<string | undefined> {
  switch (step.kind) {
    case 'command':
      await arbiter.command(step.command!);
      return undefined;
    case 'release':
      await arbiter.release(step.release!.system, step.release!.target);
      return undefined;
    case 'fact':
      arbiter.setFacts(step.fact!, step.by === undefined ? 'sensor' : { system: step.by });
      return undefined;
    case 'report':
      return arbiter.report(step.report!.target, step.report!.state) ? undefined : `report rejected: ${show(step.report)} names an unknown actuator or state`;
    case 'fail':
    case 'recover':
      arbiter.setAvailability(step[step.kind]!, step.kind === 'recover');
      return undefined;
    case 'operator': {
      const { action, ...subject } = step.operator!;
      await arbiter.operator(action, subject);
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Replays a scenario in virtual time on a fresh store. */
export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<ScenarioRun> {
  const restarts = scenario.steps.some((s) => s.kind === 'restart');
  const kind = options.store === undefined || options.store === 'auto' ? (restarts ? 'sqlite' : 'none') : options.store;
  const dir = kind === 'sqlite' ? mkdtempSync(join(tmpdir(), 'home-arbiter-replay-')) : undefined;
  const kept: ArbiterStore = kind === 'memory' ? new MemoryStore() : new NoStore();
  const openStore = (): ArbiterStore => (dir ? new SqliteStore(join(dir, 'arbiter.sqlite'), { synchronous: 'normal' }) : kept);
  const clock = new VirtualClock(0);
  const log: ArbiterEvent[] = [];
  const failures: StepFailure[] = [];
  let segment: ArbiterEvent[] = [];
  const open = async () => {
    const arbiter = new Arbiter({ config: scenario.config, clock, store: openStore(), logger: options.logger ?? silentLogger, groupCommit: false });
    arbiter.events$.subscribe((e) => {
      log.push(e);
      segment.push(e);
    });
    await arbiter.start();
    return arbiter;
  };

  let arbiter = await open();
  const final: Record<string, { state: unknown; desired: unknown; owner: string | null }> = {};
  try {
    for (const step of scenario.steps) {
      await clock.advanceTo(step.at, () => arbiter.settled());
      let problems: string[] = [];
      if (step.kind === 'restart') {
        await arbiter.stop();
        arbiter = await open();
      } else if (step.kind === 'expect') {
        problems = checkExpectation(step.expect!, arbiter, segment);
      } else {
        const problem = await apply(step, arbiter);
        if (problem) problems.push(problem);
      }
      await arbiter.settled();
      if (problems.length > 0) failures.push({ index: step.index, at: step.at, kind: step.kind, problems, events: segment });
      if (step.kind === 'expect') segment = [];
    }
    for (const { id } of scenario.config.actuators) {
      const view = arbiter.view(id)!;
      final[id] = { state: view.state, desired: view.desired, owner: view.owner };
    }
  } finally {
    await arbiter.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  return { name: scenario.name, passed: failures.length === 0, steps: scenario.steps.length, events: log, failures, final };
}
