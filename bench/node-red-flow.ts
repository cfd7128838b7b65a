import { NodeRedBench, SOURCES, VARIANTS, type MessageRate } from './node-red-bench';
import { SHUTTERS } from './node-red-flows';
import { measureMs, repetitions, round, type BenchOptions, type Row } from './measure';

/**
 * Messages per second through one real Node-RED runtime: our nodes, a function node holding a BACnet priority
 * array, and node-red-contrib-sun-position's blind-control, measured in interleaved rounds.
 */
export async function measureNodeRed(opts: BenchOptions): Promise<Row[]> {
  const bench = new NodeRedBench();
  const rows: Row[] = [];
  try {
    await bench.start();
    // Rounds interleave the variants, so that a burst of load from elsewhere does not land on one variant only.
    const runs = new Map<string, MessageRate[]>(VARIANTS.map((v) => [v.key, []]));
    const problems = new Map<string, string>();
    for (let round = 0; round < repetitions(opts) + 1; round++) {
      for (const variant of VARIANTS) {
        if (problems.has(variant.key)) continue;
        try {
          runs.get(variant.key)!.push(await bench.messagesPerSecond(variant, measureMs(opts) / 2));
        } catch (err) {
          problems.set(variant.key, err instanceof Error ? err.message : String(err));
        }
      }
    }
    for (const variant of VARIANTS) {
      const rates = runs.get(variant.key)!;
      const problem = problems.get(variant.key);
      const best = problem ? undefined : rates.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
      const base = { section: 'node-red', case: variant.label, unit: '/s' };
      rows.push(
        {
          ...base,
          metric: 'msgs/s',
          value: best ? round(best.perSecond) : null,
          note: problem ? `not measured: ${problem}` : `${SHUTTERS} shutters, ${SOURCES.length} sources; best of ${rates.map((r) => round(r.perSecond)).join(', ')}`,
          id: `nodered.${variant.key}`,
        },
        { ...base, metric: 'msgs per CPU-second', value: best ? round(best.perCpuSecond) : null, note: 'of the best run', id: `nodered.${variant.key}.cpuRate` },
      );
    }
  } finally {
    await bench.stop();
  }
  return rows;
}
