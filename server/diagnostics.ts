import type { AdapterStart } from '../adapters/device-router';
import type { Arbiter } from '../engine/arbiter';
import { CLOCK_JUMP_MS } from './clock-jump-monitor';
import type { ServerConfig } from './server-config';
import type { DiagnosticResult } from './server-events';

export interface DiagnosticReport extends DiagnosticResult {
  /** Wall-clock time of the start-up check. */
  readonly at: number;
  /** The same subject as it is now, beside what the start-up check found. */
  readonly now: { readonly ok: boolean; readonly message: string };
  /** The latest periodic read-back of an idle life or property path (engine/health/idle-path-diagnosis.ts). */
  readonly readBack?: DiagnosticResult & { readonly at: number };
}

/**
 * The start-up check of the store, the clock, each adapter and each device's reachability (the seed's
 * self-diagnosis at start), and the same subjects as they are now, for the status page: a device unreachable at
 * start may be back, or one that was fine may have gone. Beside them, the latest periodic read-back of each idle
 * path.
 */
export class Diagnostics {
  private results: readonly DiagnosticResult[] = [];
  private at = 0;
  private readonly readBacks = new Map<string /* subject */, DiagnosticResult & { at: number }>();

  constructor(
    private readonly config: ServerConfig,
    private readonly arbiter: Arbiter,
    /** Wall clock against monotonic time (`RealClock.drift()`). */
    private readonly drift: () => number,
    private readonly wall: () => number = Date.now,
  ) {}

  /**
   * Checks everything once the adapters have started; returns the results (the `diagnostics` event). The store
   * and the clock were checked when the store was opened (its identity and commit, the clock against the store's
   * high-water mark): `startup` says how they were found.
   */
  run(adapters: readonly AdapterStart[], startup: Readonly<Record<'store' | 'clock', Omit<DiagnosticResult, 'subject'>>>): readonly DiagnosticResult[] {
    const { bindings } = this.config;
    this.at = this.wall();
    this.results = [
      { subject: 'store', ...startup.store },
      { subject: 'clock', ...startup.clock },
      ...adapters.map((r) => ({ subject: `adapter:${r.adapter}`, ok: r.started, message: r.started ? 'started' : r.reason })),
      ...[...this.arbiter.tables.actuatorIds()].map((id) => {
        const binding = bindings.find((b) => b.actuatorId === id);
        const { ok, message } = this.reachability(id);
        return { subject: `actuator:${id}`, ok, message: `${binding ? `${binding.adapter} ${binding.address}` : 'logical (no device)'}, ${message}` };
      }),
    ];
    return this.results;
  }

  /** A `diagnostics` event: the read-backs in it (results with an `outcome`) replace the subject's last one. */
  observe(results: readonly DiagnosticResult[], at: number): void {
    for (const r of results) if (r.outcome) this.readBacks.set(r.subject, { ...r, at });
  }

  report(): DiagnosticReport[] {
    return this.results.map((r) => {
      const readBack = this.readBacks.get(r.subject);
      return { ...r, at: this.at, now: this.current(r), ...(readBack ? { readBack } : {}) };
    });
  }

  private current(result: DiagnosticResult): DiagnosticReport['now'] {
    const [kind, name] = result.subject.split(/:(.*)/s);
    if (kind === 'actuator') return this.reachability(name!);
    if (kind === 'adapter' && result.ok) {
      const ids = this.config.bindings.filter((b) => b.adapter === name).map((b) => b.actuatorId);
      const reachable = ids.filter((id) => this.arbiter.view(id)?.available).length;
      return { ok: reachable === ids.length, message: `${reachable} of ${ids.length} ${ids.length === 1 ? 'device' : 'devices'} reachable` };
    }
    if (kind === 'clock') {
      const drift = this.drift();
      return { ok: Math.abs(drift) <= CLOCK_JUMP_MS, message: `wall clock ${new Date(this.wall()).toISOString()}, ${drift} ms from the monotonic clock` };
    }
    return { ok: result.ok, message: result.message }; // the store, an adapter that failed to start: as at start-up
  }

  private reachability(id: string): DiagnosticReport['now'] {
    const available = this.arbiter.view(id)?.available ?? false;
    return { ok: available, message: available ? 'reachable' : 'unreachable' };
  }
}
