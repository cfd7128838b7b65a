import { performance } from 'node:perf_hooks';
import { buildCoreConfig } from '../engine/config/arbiter-config';
import { ArbiterCore } from '../engine/core/arbiter-core';
import type { Category } from '../engine/core/category';
import { runScenario } from '../scenario/run-scenario';
import type { Scenario, Step } from '../scenario/scenario-schema';
import { round, type BenchOptions, type Row } from './measure';
import { CommandGenerator, HEADLINE, Rng, actuatorId, homeConfig, sensorChange } from './workload';

const DAY_MS = 86_400_000;
const LEASE_MS = 600_000;

/**
 * A generated day of the headline home: mostly commands (30 % conflicting, a quarter of them with a 10-minute
 * lease), and releases, device reports (manual changes), fact changes and device faults. The commands are drawn
 * against a shadow `ArbiterCore` fed the same commands, so that conflicts are conflicts when replayed.
 */
export function generatedDay(steps: number, seed = 7): Scenario {
  const config = buildCoreConfig(homeConfig(HEADLINE));
  const shadow = new ArbiterCore(config);
  shadow.start(0);
  const commands = new CommandGenerator(HEADLINE, (target) => {
    const rec = shadow.actuator(target)!;
    return { winner: rec.winner, desired: rec.desired };
  });
  const rng = new Rng(seed);
  const out: Step[] = [];
  const failed: string[] = [];
  let changes = 0;
  for (let index = 0; index < steps; index++) {
    const at = Math.floor((index * DAY_MS) / steps);
    const roll = rng.next();
    const target = actuatorId(rng.int(HEADLINE.actuators));
    let step: Omit<Step, 'index'>;
    if (roll < 0.01) step = { at, kind: 'fact', fact: sensorChange(changes++) };
    else if (roll < 0.015 && failed.length > 0) step = { at, kind: 'recover', recover: failed.shift()! };
    else if (roll < 0.02) {
      failed.push(target);
      step = { at, kind: 'fail', fail: target };
    } else if (roll < 0.1) step = { at, kind: 'report', report: { target, state: rng.next() < 0.5 ? 'open' : 'closed' } };
    else if (roll < 0.15) {
      const claimant = shadow.actuator(target)!.winner;
      step = { at, kind: 'release', release: { system: claimant && !claimant.includes(':') && claimant !== 'manual' ? claimant : 'sys0', target } };
    } else {
      const command = commands.next();
      const category = command.category as Category | undefined;
      step = { at, kind: 'command', command: { ...command, state: command.state as string, category, ...(rng.next() < 0.25 ? { ttl: LEASE_MS } : {}) } };
      shadow.command(step.command!, at);
    }
    if (step.kind === 'release') shadow.release(step.release!.system, step.release!.target, at);
    shadow.takeEvents();
    out.push({ ...step, index } as Step);
  }
  return { name: `generated day, ${steps} steps`, config, steps: out };
}

/** The 1,000,000-step day replayed by `runScenario` with its default store, as `home-arbiter replay` would (no restart: none). */
export async function measureReplay(opts: BenchOptions): Promise<Row[]> {
  const steps = opts.quick ? 200_000 : 1_000_000;
  const scenario = generatedDay(steps);
  const cpu = process.cpuUsage();
  const start = performance.now();
  const run = await runScenario(scenario);
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  const conflicts = run.events.filter((e) => e.type === 'conflict').length;
  const c = `${steps} steps, 24 h virtual`;
  return [
    { section: 'replay', case: c, metric: 'wall time', value: round(seconds, 2), unit: 's', note: `${run.events.length} events, ${conflicts} conflicts, passed: ${run.passed}` },
    { section: 'replay', case: c, metric: 'steps/s', value: round(steps / seconds), unit: '/s' },
    { section: 'replay', case: c, metric: 'CPU time for 1,000,000 steps', value: round((cpuSeconds * 1_000_000) / steps, 2), unit: 's', note: 'user + system', id: 'replay.million.cpu' },
    {
      section: 'replay',
      case: c,
      metric: 'wall time for 1,000,000 steps',
      value: round((seconds * 1_000_000) / steps, 2),
      unit: 's',
      id: 'replay.million',
      ...(steps === 1_000_000 ? {} : { note: `projected from ${steps} steps (--quick)` }),
    },
  ];
}
