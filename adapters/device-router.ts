import { merge, Subscription, type Observable } from 'rxjs';
import type { StateValue } from '../engine/core/actuator';
import type { Arbiter, DevicePort, DispatchContext } from '../engine/arbiter';
import { RealClock, type Clock } from '../engine/clock';
import { DeviceError, type ActuatorBinding, type AdapterProblem, type AvailabilityChange, type DeviceAdapter, type DeviceReading, type DeviceReport } from './device-adapter';

export type AdapterStart = { readonly adapter: string; readonly started: true } | { readonly adapter: string; readonly started: false; readonly reason: string };

export interface DeviceRouterOptions {
  /** Time for the retries of a failed adapter start (the engine's clock). */
  readonly clock?: Clock;
  /** How long after a failed start an adapter is started again, ms. Default 30 s. */
  readonly retryEvery?: number;
}

/**
 * The engine's DevicePort over several adapters: routes each dispatch to the adapter bound to the actuator and
 * feeds reports and availability back into the arbiter. Actuators with no binding are logical (confirmed at once).
 */
export class DeviceRouter implements DevicePort {
  private readonly byActuator = new Map<string /* actuator id */, DeviceAdapter>();
  private readonly subscription = new Subscription();
  private readonly clock: Clock;
  private readonly retryEvery: number;
  private readonly retries = new Map<DeviceAdapter, () => void /* cancel */>();
  private stopped = false;
  readonly problems$: Observable<AdapterProblem>;
  readonly readings$: Observable<DeviceReading>;

  constructor(
    private readonly adapters: readonly DeviceAdapter[],
    private readonly bindings: readonly ActuatorBinding[],
    options: DeviceRouterOptions = {},
  ) {
    this.clock = options.clock ?? new RealClock();
    this.retryEvery = options.retryEvery ?? 30_000;
    const byName = new Map(adapters.map((a) => [a.name, a]));
    for (const b of bindings) {
      const adapter = byName.get(b.adapter);
      if (!adapter) throw new DeviceError('UNSUPPORTED', b.actuatorId, `no adapter named "${b.adapter}" (have: ${[...byName.keys()].join(', ') || 'none'})`);
      this.byActuator.set(b.actuatorId, adapter);
    }
    this.problems$ = merge(...adapters.map((a) => a.problems$));
    this.readings$ = merge(...adapters.map((a) => a.readings$));
  }

  apply(target: string, state: StateValue, context?: DispatchContext): Promise<void> | void {
    return this.byActuator.get(target)?.apply(target, state, context);
  }

  /** Reads the device back (a Get, never an actuation); undefined for a logical actuator, which has no device. */
  read(target: string): Promise<StateValue> | undefined {
    return this.byActuator.get(target)?.read(target);
  }

  /** Whether a device stands behind the actuator. */
  bound(target: string): boolean {
    return this.byActuator.has(target);
  }

  /**
   * Starts every adapter with its own bindings and wires its streams into the arbiter. Adapters usually start
   * before the arbiter (so that its start-up dispatches reach a started adapter): what devices say meanwhile, such
   * as the states read at start, is kept (the latest per actuator) and handed over once the arbiter runs.
   * An adapter that fails to start does not keep the others from starting: its devices are reported unreachable,
   * the result says why, one entry per adapter, and it is started again every `retryEvery` until it starts (its
   * start-up reads then restore its devices). `only`: start these adapters now, the others by a later call.
   */
  async start(arbiter: Arbiter, only: (adapter: DeviceAdapter) => boolean = () => true): Promise<AdapterStart[]> {
    const early = new Map<string /* actuator id */, { report?: DeviceReport; availability?: AvailabilityChange }>();
    const keep = (id: string) => early.get(id) ?? early.set(id, {}).get(id)!;
    const report = (r: DeviceReport) => (arbiter.running ? arbiter.report(r.actuatorId, r.state) : (keep(r.actuatorId).report = r));
    const availability = (a: AvailabilityChange) =>
      arbiter.running ? arbiter.setAvailability(a.actuatorId, a.available, a.reason) : (keep(a.actuatorId).availability = a);
    void arbiter.started.then(() => {
      for (const { report: r, availability: a } of early.values()) {
        if (a) availability(a);
        if (r) report(r);
      }
      early.clear();
    });
    const results: AdapterStart[] = [];
    for (const adapter of this.adapters.filter(only)) {
      this.subscription.add(adapter.reports$.subscribe(report));
      this.subscription.add(adapter.availability$.subscribe(availability));
      const bindings = this.bindings.filter((b) => b.adapter === adapter.name);
      const result = await this.startAdapter(adapter, bindings);
      if (!result.started) for (const b of bindings) availability({ actuatorId: b.actuatorId, available: false, reason: result.reason });
      results.push(result);
    }
    return results;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const cancel of this.retries.values()) cancel();
    this.retries.clear();
    this.subscription.unsubscribe();
    for (const adapter of this.adapters) await adapter.stop();
  }

  private async startAdapter(adapter: DeviceAdapter, bindings: readonly ActuatorBinding[]): Promise<AdapterStart> {
    try {
      await adapter.start(bindings);
      return { adapter: adapter.name, started: true };
    } catch (err) {
      if (!this.stopped) {
        this.retries.set(adapter, this.clock.schedule(this.clock.now() + this.retryEvery, () => {
          this.retries.delete(adapter);
          if (!this.stopped) void this.startAdapter(adapter, bindings);
        }));
      }
      return { adapter: adapter.name, started: false, reason: `adapter ${adapter.name} failed to start: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
}
