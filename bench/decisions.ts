import { batchedRate, fixedRateLatency, measureMs, round, type BenchOptions, type Row } from './measure';
import { openHome, type StoreKind } from './open-home';
import { HEADLINE } from './workload';

/** The offered rate of the latency measurement (issue 6). */
export const LATENCY_RATE = 10_000;
const BATCH = 1_000;

const label = (store: StoreKind) => (store === 'sqlite' ? 'store on (SQLite, FULL sync)' : 'store off (memory)');

/**
 * Command arbitration on the headline home (1,000 actuators, 50 systems, 20 rules, 30 % conflicting commands),
 * with the store on and off: throughput with batches awaited together (one group commit per batch), then
 * latency from due time to acknowledgement at 10,000 commands/s on a fresh arbiter.
 */
export async function measureDecisions(opts: BenchOptions): Promise<Row[]> {
  const rows: Row[] = [];
  for (const store of ['memory', 'sqlite'] as const) {
    const home = await openHome(HEADLINE, store);
    try {
      const { ops, perSecond } = await batchedRate(() => home.arbiter.command(home.commands.next()), measureMs(opts), BATCH);
      const conflicts = home.counts.get('conflict') ?? 0;
      const denied = home.counts.get('denied') ?? 0;
      rows.push(
        { section: 'decisions', case: label(store), metric: 'decisions/s', value: round(perSecond), unit: '/s', note: `batches of ${BATCH}`, id: `decisions.${store}.rate` },
        { section: 'decisions', case: label(store), metric: 'conflicting share', value: round((conflicts / ops) * 100, 1), unit: '%', note: `${denied} denied by forbid rules` },
      );
    } finally {
      await home.close();
    }
    const fresh = await openHome(HEADLINE, store);
    try {
      const latency = await fixedRateLatency(() => fresh.arbiter.command(fresh.commands.next()), LATENCY_RATE, measureMs(opts));
      const note = `${latency.samples} commands offered at ${round(latency.offered)}/s; max ${round(latency.max, 2)} ms`;
      rows.push(
        { section: 'decisions', case: label(store), metric: `p50 latency @${LATENCY_RATE}/s`, value: round(latency.p50, 3), unit: 'ms', note, id: `decisions.${store}.p50` },
        { section: 'decisions', case: label(store), metric: `p99 latency @${LATENCY_RATE}/s`, value: round(latency.p99, 3), unit: 'ms', id: `decisions.${store}.p99` },
      );
    } finally {
      await fresh.close();
    }
  }
  return rows;
}
