import type { StateValue } from '../core/actuator';
import type { DiagnosticResult } from '../core/events';
import { selects, selectsAny } from '../core/selector';
import type { Arbiter } from '../arbiter';
import type { Clock } from '../clock';

/** Reads a device back without actuating it; undefined where no device stands behind the actuator. */
export type ReadBack = (target: string) => Promise<StateValue> | undefined;

export const DEFAULT_DIAGNOSIS_EVERY = 3_600_000;

/**
 * Periodic diagnosis of idle paths (function 8 of the seed list, "普段動作していない箇所の診断も"): every `every`
 * ms each actuator that a life or property claim can reach (an `assert` rule, or a control system, of those
 * categories) is read back, never actuated, and compared with the engine's state. Each is announced as a
 * `diagnostics` event: the device agrees; it differs, which is a change by hand (its read is a report, and the
 * engine takes it as such, SPEC.md §5); or it does not answer, which is `degraded` (its adapter says so). An
 * actuator with a dispatch in flight is not idle and is left for the next run.
 * The fire path is checked while there is no fire.
 */
export class IdlePathDiagnosis {
  private cancel?: () => void;
  private running?: Promise<DiagnosticResult[]>;

  constructor(
    private readonly arbiter: Arbiter,
    private readonly read: ReadBack,
    private readonly clock: Clock,
    private readonly every = DEFAULT_DIAGNOSIS_EVERY,
  ) {}

  /** The actuators a life or property claim can reach, in configuration order. */
  get paths(): string[] {
    const { actuators, systems, policies } = this.arbiter.config;
    const high = (category: string) => category === 'life' || category === 'property';
    return actuators
      .filter((a) =>
        policies.some((p) => p.effect.type === 'assert' && high(p.effect.category) && selects(p.effect.target, a)) ||
        systems.some((s) => high(s.category) && selectsAny(s.targets, a)),
      )
      .map((a) => a.id);
  }

  start(): void {
    if (this.cancel) return;
    this.schedule();
  }

  /** Cancels the next run; a run under way finishes. A second call does nothing. */
  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  /** One diagnosis now: every path read back, one `diagnostics` event each; resolves with the results. */
  runOnce(): Promise<DiagnosticResult[]> {
    this.running ??= this.diagnose().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Resolves once no diagnosis is under way (reads take device time, which in virtual time is the test's to give). */
  async idle(): Promise<void> {
    await this.running;
  }

  /** On a fixed beat (start + n × every), however long each run's reads take. */
  private schedule(at = this.clock.now() + this.every): void {
    this.cancel = this.clock.schedule(at, () => {
      this.schedule(Math.max(at + this.every, this.clock.now()));
      void this.runOnce();
    });
  }

  private async diagnose(): Promise<DiagnosticResult[]> {
    const results = await Promise.all(this.paths.map((id) => this.diagnoseOne(id)));
    const found = results.filter((r): r is DiagnosticResult => r !== undefined);
    for (const result of found) if (this.arbiter.running) this.arbiter.announce({ type: 'diagnostics', results: [result] });
    return found;
  }

  private async diagnoseOne(id: string): Promise<DiagnosticResult | undefined> {
    const view = this.arbiter.view(id);
    // A dispatch in flight: the path is not idle now, and the device may be anywhere on its way; read next time.
    if (view && view.desired !== undefined && view.desired !== view.state) return undefined;
    const expected = view?.state;
    let pending: Promise<StateValue> | undefined;
    try {
      pending = this.read(id);
    } catch (err) {
      return degraded(id, err);
    }
    if (!pending) return undefined; // a logical actuator: nothing to read
    try {
      const state = await pending;
      if (state === expected) return { subject: `actuator:${id}`, ok: true, outcome: 'match', message: `reads ${String(state)}, as the engine holds` };
      return { subject: `actuator:${id}`, ok: false, outcome: 'manual', message: `reads ${String(state)}, the engine held ${String(expected)}: changed by hand` };
    } catch (err) {
      return degraded(id, err);
    }
  }
}

function degraded(id: string, err: unknown): DiagnosticResult {
  return { subject: `actuator:${id}`, ok: false, outcome: 'degraded', message: `no answer to the read-back: ${err instanceof Error ? err.message : String(err)}` };
}
