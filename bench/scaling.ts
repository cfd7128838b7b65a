import { heapPerActuator } from './heap-probe';
import { batchedRate, round, type BenchOptions, type Row } from './measure';
import { openHome } from './open-home';
import { HEADLINE, sensorChange } from './workload';

const sweepMs = (opts: BenchOptions) => (opts.quick ? 600 : 3_000);
/** Facts change this often while the rules sweep runs (issue 6: 10 times a second). */
const FACT_INTERVAL_MS = 100;

const cpuNote = (perCpuSecond: number) => `${round(perCpuSecond).toLocaleString('en-US')} per CPU-second`;

const ACTUATORS = { quick: [10, 1_000, 10_000, 100_000], full: [10, 100, 1_000, 10_000, 100_000] };
const SYSTEMS = { quick: [5, 50, 500], full: [5, 20, 50, 100, 200, 500] };
const RULES = { quick: [0, 20, 200], full: [0, 10, 20, 50, 100, 200] };
const sweep = (opts: BenchOptions, values: { quick: number[]; full: number[] }) => (opts.quick ? values.quick : values.full);

/** Heap per actuator (each in a fresh node, see heap-probe.ts) and decisions/s as the home grows. */
async function actuatorSweep(opts: BenchOptions): Promise<Row[]> {
  const rows: Row[] = [];
  for (const actuators of sweep(opts, ACTUATORS)) {
    const c = `${actuators} actuators`;
    const heap = heapPerActuator(actuators);
    rows.push({ section: 'scaling: actuators', case: c, metric: 'heap per actuator', value: round(heap), unit: 'B', note: 'one claim each, MemoryStore included', id: `scaling.heap.${actuators}` });
    const home = await openHome({ ...HEADLINE, actuators }, 'memory');
    try {
      const { perSecond, perCpuSecond } = await batchedRate(() => home.arbiter.command(home.commands.next()), sweepMs(opts));
      rows.push({ section: 'scaling: actuators', case: c, metric: 'decisions/s', value: round(perSecond), unit: '/s', note: cpuNote(perCpuSecond) });
    } finally {
      await home.close();
    }
  }
  return rows;
}

async function systemSweep(opts: BenchOptions): Promise<Row[]> {
  const rows: Row[] = [];
  for (const systems of sweep(opts, SYSTEMS)) {
    const home = await openHome({ ...HEADLINE, systems }, 'memory');
    try {
      const { perSecond, perCpuSecond } = await batchedRate(() => home.arbiter.command(home.commands.next()), sweepMs(opts));
      rows.push({ section: 'scaling: systems', case: `${systems} systems`, metric: 'decisions/s', value: round(perSecond), unit: '/s', note: cpuNote(perCpuSecond) });
    } finally {
      await home.close();
    }
  }
  return rows;
}

/**
 * Rules are evaluated beside commands, never on their path (arbiter.ts): what the sweep shows is how much of one
 * core the evaluations of 10 fact changes a second take away from arbitration.
 */
async function ruleSweep(opts: BenchOptions): Promise<Row[]> {
  const rows: Row[] = [];
  for (const rules of sweep(opts, RULES)) {
    const home = await openHome({ ...HEADLINE, rules }, 'memory');
    let changes = 0;
    const timer = setInterval(() => home.arbiter.setFacts(sensorChange(changes++)), FACT_INTERVAL_MS);
    try {
      const { perSecond, perCpuSecond } = await batchedRate(() => home.arbiter.command(home.commands.next()), sweepMs(opts));
      clearInterval(timer);
      await home.arbiter.settled();
      const policyClaims = home.counts.get('released') ?? 0;
      rows.push({
        section: 'scaling: rules',
        case: `${rules} rules`,
        metric: 'decisions/s',
        value: round(perSecond),
        unit: '/s',
        note: `${cpuNote(perCpuSecond)}; ${changes} fact changes, ${policyClaims} policy claims released by rules that stopped holding`,
      });
    } finally {
      clearInterval(timer);
      await home.close();
    }
  }
  return rows;
}

export async function measureScaling(opts: BenchOptions): Promise<Row[]> {
  return [...(await actuatorSweep(opts)), ...(await systemSweep(opts)), ...(await ruleSweep(opts))];
}
