import { buildCoreConfig } from '../engine/config/arbiter-config';
import { NaiveArbiter } from './baselines/naive-arbiter';
import { measureMs, repetitions, round, sequentialRate, type BenchOptions, type Rate, type Row } from './measure';
import { CommandGenerator, HEADLINE, homeConfig } from './workload';

const CASE = 'naive json-rules-engine arbiter';

/**
 * The baseline of issue 6 on the headline home and the same command generator (30 % conflicting): each command
 * awaits its own rules run, as the naive arbiter's callers must.
 */
export async function measureNaive(opts: BenchOptions): Promise<Row[]> {
  const runs: (Rate & { conflicts: number })[] = [];
  for (let i = 0; i < repetitions(opts); i++) {
    const naive = new NaiveArbiter(buildCoreConfig(homeConfig(HEADLINE)));
    const commands = new CommandGenerator(HEADLINE, (target) => naive.peek(target));
    for (const first of commands.seed()) await naive.command(first);
    naive.conflicts = 0;
    const measured = await sequentialRate(() => naive.command(commands.next()), measureMs(opts));
    runs.push({ ...measured, conflicts: naive.conflicts });
  }
  const best = runs.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
  const note = `${HEADLINE.rules} rules run per command; best of ${runs.length}: ${runs.map((r) => round(r.perSecond)).join(', ')}`;
  return [
    { section: 'decisions', case: CASE, metric: 'decisions/s', value: round(best.perSecond), unit: '/s', note, id: 'naive.rate' },
    { section: 'decisions', case: CASE, metric: 'decisions per CPU-second', value: round(best.perCpuSecond), unit: '/s', note: 'of the best run', id: 'naive.cpuRate' },
    { section: 'decisions', case: CASE, metric: 'conflicting share', value: round((best.conflicts / best.ops) * 100, 1), unit: '%' },
  ];
}
