import type { EventCatalogue } from '../core/events';

export type TrendWarning = EventCatalogue['trend-warning'];

/** When a measure counts as drifting (function 7 of the seed list: warn before the device fails). */
export interface TrendSettings {
  /** Dispatch latency: the recent average above `latencyFactor` times its own baseline ... */
  readonly latencyFactor: number;
  /** ... and above the baseline by at least this many ms (a 2 ms device going to 5 ms is no trend). */
  readonly latencyMargin: number;
  /** Time-outs or refusals: this share of the last `window` dispatches. */
  readonly failureRate: number;
  readonly window: number;
  /** Samples a measure needs before it can warn. */
  readonly minSamples: number;
  /** Battery percent at or below which a device warns. */
  readonly battery: number;
  /** Link quality: the recent average below this share of its baseline. */
  readonly linkqualityShare: number;
  /** Memory: resident size above this factor times its first sample. */
  readonly memoryFactor: number;
  /** Log growth per hour above this factor times its baseline. */
  readonly logGrowthFactor: number;
  /** Free space of the store's file system at or below this share. */
  readonly diskFreeShare: number;
}

export const DEFAULT_TREND_SETTINGS: TrendSettings = {
  latencyFactor: 2,
  latencyMargin: 100,
  failureRate: 0.2,
  window: 20,
  minSamples: 5,
  battery: 20,
  linkqualityShare: 0.5,
  memoryFactor: 2,
  logGrowthFactor: 3,
  diskFreeShare: 0.05,
};

/** A recent average (fast) against a baseline (slow) that learns only while the measure is not drifting. */
class Drift {
  recent = 0;
  baseline = 0;
  samples = 0;

  add(value: number, drifting: (recent: number, baseline: number) => boolean): boolean {
    this.recent = this.samples === 0 ? value : this.recent + 0.3 * (value - this.recent);
    const drifts = this.samples >= 1 && drifting(this.recent, this.baseline);
    if (!drifts) this.baseline = this.samples === 0 ? value : this.baseline + 0.05 * (value - this.baseline);
    this.samples++;
    return drifts;
  }
}

type Outcome = 'ok' | 'timeout' | 'refused';

/**
 * Trend warnings per actuator (dispatch latency against its own baseline, time-out and refusal rates, battery,
 * link quality, fault status) and for the server (free disk of the store, memory growth, log growth). Pure
 * bookkeeping over what it is told: the shell measures (MeasuredDevices, the server's sampler) and announces what
 * this returns. A measure warns once when it crosses its threshold and again only after it came back.
 */
export class TrendMonitor {
  private readonly drifts = new Map<string /* subject/measure */, Drift>();
  private readonly outcomes = new Map<string /* actuator id */, Outcome[]>();
  private readonly failureBaseline = new Map<string /* actuator id/measure */, number>();
  private readonly highest = new Map<string /* subject/measure */, number>();
  private readonly warned = new Set<string /* subject/measure */>();
  private lastLog?: { at: number; bytes: number };

  constructor(
    private readonly warn: (warning: TrendWarning) => void,
    private readonly settings: TrendSettings = DEFAULT_TREND_SETTINGS,
  ) {}

  /** A dispatch the device confirmed after `latency` ms. */
  dispatched(target: string, latency: number): void {
    const { latencyFactor, latencyMargin, minSamples } = this.settings;
    const drift = this.drift(target, 'latency');
    const drifts = drift.add(latency, (recent, baseline) => recent > baseline * latencyFactor && recent - baseline >= latencyMargin);
    this.check(target, 'latency', drifts && drift.samples > minSamples, drift.recent, drift.baseline);
    this.outcome(target, 'ok');
  }

  /** A dispatch the device refused or left unanswered (DeviceError codes REFUSED and TIMEOUT). */
  failed(target: string, code: string | undefined): void {
    this.outcome(target, code === 'REFUSED' ? 'refused' : code === 'TIMEOUT' ? 'timeout' : 'ok');
  }

  /** A health reading a device gave (battery %, link quality, fault status). */
  reading(target: string, measure: string, value: number): void {
    if (measure === 'battery') {
      const baseline = Math.max(this.highest.get(`${target}/battery`) ?? value, value);
      this.highest.set(`${target}/battery`, baseline);
      this.check(target, 'battery', value <= this.settings.battery, value, baseline);
    } else if (measure === 'linkquality') {
      const drift = this.drift(target, 'linkquality');
      const drifts = drift.add(value, (recent, baseline) => recent < baseline * this.settings.linkqualityShare);
      this.check(target, 'linkquality', drifts && drift.samples > this.settings.minSamples, drift.recent, drift.baseline);
    } else if (measure === 'fault') {
      this.check(target, 'fault', value !== 0, value, 0);
    }
  }

  /** One sample of the server: free bytes of the store's file system (of `total`), resident memory, log size. */
  server(sample: { at: number; diskFree: number; diskTotal: number; memory: number; logBytes: number }): void {
    const { diskFreeShare, memoryFactor, logGrowthFactor, minSamples } = this.settings;
    this.check('store', 'disk-free', sample.diskTotal > 0 && sample.diskFree / sample.diskTotal <= diskFreeShare, sample.diskFree, Math.round(sample.diskTotal * diskFreeShare));
    const first = this.highest.get('server/memory') ?? sample.memory;
    this.highest.set('server/memory', first);
    this.check('server', 'memory', sample.memory > first * memoryFactor, sample.memory, first);
    if (this.lastLog && sample.at > this.lastLog.at) {
      const perHour = ((sample.logBytes - this.lastLog.bytes) * 3_600_000) / (sample.at - this.lastLog.at);
      const drift = this.drift('log', 'growth');
      const drifts = drift.add(perHour, (recent, baseline) => baseline > 0 && recent > baseline * logGrowthFactor);
      this.check('log', 'growth', drifts && drift.samples > minSamples, drift.recent, drift.baseline);
    }
    this.lastLog = { at: sample.at, bytes: sample.logBytes };
  }

  private outcome(target: string, outcome: Outcome): void {
    const { window, failureRate, minSamples } = this.settings;
    const list = this.outcomes.get(target) ?? [];
    list.push(outcome);
    if (list.length > window) list.shift();
    this.outcomes.set(target, list);
    for (const [measure, kind] of [['timeout-rate', 'timeout'], ['refusal-rate', 'refused']] as const) {
      const rate = list.filter((o) => o === kind).length / list.length;
      const key = `${target}/${measure}`;
      const baseline = this.failureBaseline.get(key) ?? 0;
      const drifts = list.length >= minSamples && rate >= failureRate;
      if (!drifts) this.failureBaseline.set(key, baseline + 0.05 * ((outcome === kind ? 1 : 0) - baseline));
      this.check(target, measure, drifts, rate, baseline);
    }
  }

  private drift(subject: string, measure: string): Drift {
    const key = `${subject}/${measure}`;
    return this.drifts.get(key) ?? this.drifts.set(key, new Drift()).get(key)!;
  }

  private check(subject: string, measure: string, drifting: boolean, value: number, baseline: number): void {
    const key = `${subject}/${measure}`;
    if (!drifting) {
      this.warned.delete(key);
      return;
    }
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.warn({ subject, measure, value: round(value), baseline: round(baseline) });
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
