import { performance } from 'node:perf_hooks';

/** One figure of the table: `section` groups rows (decisions, scaling, replay, node-red), `case` names the setup. */
export interface Row {
  readonly section: string;
  readonly case: string;
  readonly metric: string;
  readonly value: number | null;
  readonly unit: string;
  readonly note?: string;
  /** Stable key of the figures the ratios and targets read (`decisions.sqlite.rate` …). */
  readonly id?: string;
}

export interface BenchOptions {
  /** `--quick`: shorter measurements and smaller sweeps, the whole run under two minutes. */
  readonly quick: boolean;
}

/** How long one throughput or latency measurement runs, in ms. */
export const measureMs = (opts: BenchOptions) => (opts.quick ? 1_500 : 8_000);

/**
 * How many times a throughput is measured; the best run is reported. The machine is shared (two cores, other
 * processes): interference only ever slows a run down, so the fastest run is the closest to what the code costs.
 */
export const repetitions = (opts: BenchOptions) => (opts.quick ? 1 : 3);

/** The value at quantile `q` (0..1) of ascending `sorted`, nearest-rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export interface Rate {
  readonly ops: number;
  /** Operations per second of wall time. */
  readonly perSecond: number;
  /**
   * Operations per second of this process's CPU time (user + system): what one core would do if the process had
   * it to itself. On a shared machine it is the steadier figure; waits (an fsync) do not count in it.
   */
  readonly perCpuSecond: number;
}

const WARM_UP_MS = 300;

/** Runs `step` (each call completes as many operations as it returns) for 300 ms unmeasured, then until `durationMs` of
 * wall time have passed.
 */
export async function rate(step: () => Promise<number>, durationMs: number): Promise<Rate> {
  // Warm-up: the first calls run in the interpreter until V8 has compiled the hot path.
  for (const start = performance.now(); performance.now() - start < WARM_UP_MS; ) await step();
  let ops = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < durationMs) {
    ops += await step();
    elapsed = performance.now() - start;
  }
  const used = process.cpuUsage(cpu);
  return { ops, perSecond: (ops / elapsed) * 1000, perCpuSecond: (ops / (used.user + used.system)) * 1e6 };
}

/**
 * Throughput: issues batches of `batch` operations, awaits each batch together (so that the arbiter's group commit
 * covers a whole batch), and counts completed operations.
 */
export function batchedRate(issue: () => Promise<unknown>, durationMs: number, batch = 1_000): Promise<Rate> {
  const pending: Promise<unknown>[] = new Array(batch);
  return rate(async () => {
    for (let i = 0; i < batch; i++) pending[i] = issue();
    await Promise.all(pending);
    return batch;
  }, durationMs);
}

/** Throughput of an operation that must complete before the next starts (the naive arbiter's shape). */
export function sequentialRate(issue: () => Promise<unknown>, durationMs: number): Promise<Rate> {
  return rate(async () => {
    for (let i = 0; i < 100; i++) await issue();
    return 100;
  }, durationMs);
}

export interface LatencyResult {
  readonly samples: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Commands actually offered per second (below `rate` when the loop could not keep up). */
  readonly offered: number;
}

/**
 * Latency at a fixed offered rate: command k is due at `k / rate` seconds; a busy loop on `setImmediate` issues
 * every command that is due, and a command's latency runs from when it was due (not when it was issued) to its
 * acknowledgement, so that a stalled loop shows in the figures instead of hiding them (coordinated omission).
 */
export function fixedRateLatency(issue: () => Promise<unknown>, rate: number, durationMs: number): Promise<LatencyResult> {
  const latencies: number[] = [];
  const interval = 1000 / rate;
  const total = Math.floor((durationMs / 1000) * rate);
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let issued = 0;
    let done = 0;
    const finish = () => {
      const elapsed = performance.now() - start;
      latencies.sort((a, b) => a - b);
      resolve({ samples: latencies.length, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: latencies[latencies.length - 1], offered: (issued / elapsed) * 1000 });
    };
    const loop = () => {
      const now = performance.now();
      while (issued < total && start + issued * interval <= now) {
        const due = start + issued * interval;
        issued++;
        issue().then(() => {
          latencies.push(performance.now() - due);
          if (++done === total) finish();
        }, reject);
      }
      if (issued < total) setImmediate(loop);
    };
    setImmediate(loop);
  });
}

/** Heap in use after a full collection; needs `--expose-gc` (the runner starts every scenario with it). */
export function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('heapAfterGc: start node with --expose-gc (bench/run.ts does)');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

export const round = (value: number, digits = 0) => Math.round(value * 10 ** digits) / 10 ** digits;
