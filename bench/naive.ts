import { buildCoreConfig } from '../engine/config/arbiter-config';
import { NaiveArbiter } from './baselines/naive-arbiter';
import { measureMs, round, sequentialRate, type BenchOptions, type Row } from './measure';
import { CommandGenerator, HEADLINE, homeConfig } from './workload';

const CASE = 'naive json-rules-engine arbiter';

/**
 * The baseline of issue 6 on the headline home and the same command generator (30 % conflicting): each command
 * awaits its own rules run, as the naive arbiter's callers must.
 */
export async function measureNaive(opts: BenchOptions): Promise<Row[]> {
  const naive = new NaiveArbiter(buildCoreConfig(homeConfig(HEADLINE)));
  const commands = new CommandGenerator(HEADLINE, (target) => naive.peek(target));
  for (const first of commands.seed()) await naive.command(first);
  naive.conflicts = 0;
  const { ops, perSecond, perCpuSecond } = await sequentialRate(() => naive.command(commands.next()), measureMs(opts));
  return [
    { section: 'decisions', case: CASE, metric: 'decisions/s', value: round(perSecond), unit: '/s', note: `${HEADLINE.rules} rules run per command`, id: 'naive.rate' },
    { section: 'decisions', case: CASE, metric: 'decisions per CPU-second', value: round(perCpuSecond), unit: '/s', id: 'naive.cpuRate' },
    { section: 'decisions', case: CASE, metric: 'conflicting share', value: round((naive.conflicts / ops) * 100, 1), unit: '%' },
  ];
}
