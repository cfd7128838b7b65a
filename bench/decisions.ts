import pino from 'pino';
import { buildCoreConfig } from '../engine/config/arbiter-config';
import { ArbiterCore } from '../engine/core/arbiter-core';
import { RuleEvaluator } from '../engine/rule-evaluator';
import { pinoDecisionLogger, type DecisionLogger } from '../engine/decision-logger';
import { FsyncOnlyStore } from './fsync-only-store';
import { batchedRate, fixedRateLatency, measureMs, quantile, rate, repetitions, round, type BenchOptions, type Rate, type Row } from './measure';
import { openHome, type StoreKind } from './open-home';
import { CommandGenerator, HEADLINE, homeConfig } from './workload';

/** The offered rate of the latency measurement (issue 6). */
export const LATENCY_RATE = 10_000;
const BATCH = 1_000;

interface Case {
  readonly key: string;
  readonly label: string;
  readonly store: StoreKind;
  /** Whether latency is measured too (the headline cases) or throughput only. */
  readonly latency: boolean;
  readonly logger?: () => DecisionLogger;
}

const CASES: readonly Case[] = [
  { key: 'memory', label: 'store off (memory)', store: 'memory', latency: true },
  { key: 'sqlite', label: 'store on (SQLite, FULL sync)', store: 'sqlite', latency: true },
  { key: 'fsync', label: 'disk floor (append + fdatasync, no SQLite)', store: 'fsync', latency: true },
  {
    key: 'sqlite-logged',
    label: 'store on + decision log (pino info → /dev/null)',
    store: 'sqlite',
    latency: false,
    logger: () => pinoDecisionLogger(pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false }))),
  },
];

async function throughput(c: Case, opts: BenchOptions): Promise<Row[]> {
  const runs: (Rate & { conflicts: number; denied: number })[] = [];
  for (let i = 0; i < repetitions(opts); i++) {
    const home = await openHome(HEADLINE, c.store, c.logger?.());
    try {
      const measured = await batchedRate(() => home.arbiter.command(home.commands.next()), measureMs(opts), BATCH);
      runs.push({ ...measured, conflicts: home.counts.get('conflict') ?? 0, denied: home.counts.get('denied') ?? 0 });
    } finally {
      await home.close();
    }
  }
  const best = runs.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
  const spread = runs.map((r) => round(r.perSecond)).join(', ');
  return [
    { section: 'decisions', case: c.label, metric: 'decisions/s', value: round(best.perSecond), unit: '/s', note: `batches of ${BATCH}; best of ${runs.length}: ${spread}`, id: `decisions.${c.key}.rate` },
    { section: 'decisions', case: c.label, metric: 'decisions per CPU-second', value: round(best.perCpuSecond), unit: '/s', note: 'of the best run', id: `decisions.${c.key}.cpuRate` },
    { section: 'decisions', case: c.label, metric: 'conflicting share', value: round((best.conflicts / best.ops) * 100, 1), unit: '%', note: `${best.denied} denied by forbid rules` },
  ];
}

async function latency(c: Case, opts: BenchOptions): Promise<Row[]> {
  const home = await openHome(HEADLINE, c.store, c.logger?.());
  try {
    const result = await fixedRateLatency(() => home.arbiter.command(home.commands.next()), LATENCY_RATE, measureMs(opts));
    const note = `${result.samples} commands offered at ${round(result.offered)}/s; max ${round(result.max, 2)} ms`;
    return [
      { section: 'decisions', case: c.label, metric: `p50 latency @${LATENCY_RATE}/s`, value: round(result.p50, 3), unit: 'ms', note, id: `decisions.${c.key}.p50` },
      { section: 'decisions', case: c.label, metric: `p99 latency @${LATENCY_RATE}/s`, value: round(result.p99, 3), unit: 'ms', id: `decisions.${c.key}.p99` },
      ...(home.store instanceof FsyncOnlyStore ? diskSyncs(await home.store.syncs()) : []),
    ];
  } finally {
    await home.close();
  }
}

/**
 * The disk alone, timed on the floor's thread during its latency run: one group commit's write and fdatasync. A
 * command waits for at least one of these (and on average for half of the one under way when it came), so their
 * p99 is a lower bound of any durable store's p99 on this disk.
 */
function diskSyncs(syncs: readonly number[]): Row[] {
  const sorted = [...syncs].sort((a, b) => a - b);
  const c = 'the disk alone (one write + fdatasync)';
  const note = `${sorted.length} group commits of the disk floor's latency run`;
  return [
    { section: 'decisions', case: c, metric: 'p50', value: round(quantile(sorted, 0.5), 3), unit: 'ms', note },
    { section: 'decisions', case: c, metric: 'p99', value: round(quantile(sorted, 0.99), 3), unit: 'ms', note: `max ${round(sorted[sorted.length - 1], 2)} ms`, id: 'decisions.disk.p99' },
  ];
}

/**
 * The functional core alone, on the same home and commands: `ArbiterCore.command` with no shell (no promise, no
 * rxjs, no group commit) and no store, its events and change keys taken every 1,000 commands as the shell would.
 * What separates this figure from the store-off one is the shell's cost.
 */
async function coreAlone(opts: BenchOptions): Promise<Row[]> {
  const config = buildCoreConfig(homeConfig(HEADLINE));
  const core = new ArbiterCore(config);
  core.start(Date.now());
  core.applyHolding(await new RuleEvaluator(config.policies).holding(core.factValues()), Date.now());
  const commands = new CommandGenerator(HEADLINE, (target) => {
    const rec = core.actuator(target)!;
    return { winner: rec.winner, desired: rec.desired };
  });
  const take = () => {
    core.takeEvents();
    core.changes.take();
  };
  for (const first of commands.seed()) core.command(first, Date.now());
  take();
  const best = await bestRate(opts, () =>
    rate(async () => {
      const now = Date.now();
      for (let i = 0; i < BATCH; i++) core.command(commands.next(), now);
      take();
      return BATCH;
    }, measureMs(opts)),
  );
  const c = 'functional core alone (no shell, no store)';
  return [
    { section: 'decisions', case: c, metric: 'decisions/s', value: round(best.perSecond), unit: '/s', id: 'decisions.core.rate' },
    { section: 'decisions', case: c, metric: 'decisions per CPU-second', value: round(best.perCpuSecond), unit: '/s', id: 'decisions.core.cpuRate' },
  ];
}

async function bestRate(opts: BenchOptions, measure: () => Promise<Rate>): Promise<Rate> {
  let best: Rate | undefined;
  for (let i = 0; i < repetitions(opts); i++) {
    const r = await measure();
    if (!best || r.perSecond > best.perSecond) best = r;
  }
  return best!;
}

/**
 * Group commit amortizes the fsync over everything decided in one turn of the event loop: the more commands a turn
 * carries, the cheaper each one's durability. Store on, batches of 100 to 10,000 commands awaited together.
 */
async function commitSizes(opts: BenchOptions): Promise<Row[]> {
  const rows: Row[] = [];
  for (const batch of [100, 1_000, 10_000]) {
    const home = await openHome(HEADLINE, 'sqlite');
    try {
      const r = await batchedRate(() => home.arbiter.command(home.commands.next()), measureMs(opts) / 2, batch);
      const c = `store on, batches of ${batch}`;
      rows.push({ section: 'decisions: commit size', case: c, metric: 'decisions/s', value: round(r.perSecond), unit: '/s', note: `${round(r.perCpuSecond).toLocaleString('en-US')} per CPU-second`, id: `decisions.sqlite.batch${batch}.rate` });
    } finally {
      await home.close();
    }
  }
  return rows;
}

/**
 * Command arbitration on the headline home (1,000 actuators, 50 systems, 20 rules, 30 % conflicting commands),
 * with the store on and off: throughput with batches awaited together (one group commit per batch), then
 * latency from due time to acknowledgement at 10,000 commands/s on a fresh arbiter.
 */
export async function measureDecisions(opts: BenchOptions): Promise<Row[]> {
  const rows: Row[] = await coreAlone(opts);
  for (const c of CASES) {
    rows.push(...(await throughput(c, opts)));
    if (c.latency) rows.push(...(await latency(c, opts)));
  }
  rows.push(...(await commitSizes(opts)));
  // The floor: the same loop acknowledging a no-op after one turn of the event loop, as the group commit does.
  // What it shows beyond a few microseconds is the machine (other processes, the scheduler), not the arbiter.
  const floor = await fixedRateLatency(() => new Promise((done) => setImmediate(done)), LATENCY_RATE, measureMs(opts));
  const harness = 'harness alone (no-op acknowledged next turn)';
  rows.push(
    { section: 'decisions', case: harness, metric: `p50 latency @${LATENCY_RATE}/s`, value: round(floor.p50, 3), unit: 'ms', note: `max ${round(floor.max, 2)} ms` },
    { section: 'decisions', case: harness, metric: `p99 latency @${LATENCY_RATE}/s`, value: round(floor.p99, 3), unit: 'ms', id: 'decisions.floor.p99' },
  );
  return rows;
}
