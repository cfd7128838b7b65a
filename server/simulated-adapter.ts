import { Subject } from 'rxjs';
import type { StateValue } from '../engine/core/actuator';
import { DeviceError, type ActuatorBinding, type AdapterProblem, type AvailabilityChange, type DeviceAdapter, type DeviceReport } from '../adapters/device-adapter';

/**
 * The example home's devices, simulated in memory: each confirms a command after `options.latency` ms
 * (default 30). `options.outage: {every, for}` makes a device drop off now and then, so that the status page
 * shows a degraded device and its recovery. A stand-in until adapters/virtual/ is in the tree.
 */
export class SimulatedAdapter implements DeviceAdapter {
  readonly name = 'simulated';
  private readonly reports = new Subject<DeviceReport>();
  private readonly availability = new Subject<AvailabilityChange>();
  private readonly problems = new Subject<AdapterProblem>();
  readonly reports$ = this.reports.asObservable();
  readonly availability$ = this.availability.asObservable();
  readonly problems$ = this.problems.asObservable();
  private readonly devices = new Map<string /* actuator id */, { latency: number; reachable: boolean }>();
  private readonly timers = new Set<NodeJS.Timeout>();

  async start(bindings: readonly ActuatorBinding[]): Promise<void> {
    for (const b of bindings) {
      const latency = typeof b.options?.latency === 'number' ? b.options.latency : 30;
      this.devices.set(b.actuatorId, { latency, reachable: true });
      const outage = b.options?.outage as { every?: unknown; for?: unknown } | undefined;
      if (outage !== undefined) {
        if (typeof outage.every !== 'number' || typeof outage.for !== 'number') {
          this.problems.next({ adapter: this.name, device: b.actuatorId, field: 'device.options.outage', message: 'needs {every, for} in milliseconds' });
        } else this.scheduleOutage(b.actuatorId, outage.every, outage.for);
      }
    }
  }

  apply(actuatorId: string, _state: StateValue): Promise<void> {
    const device = this.devices.get(actuatorId);
    if (!device) return Promise.reject(new DeviceError('UNKNOWN_DEVICE', actuatorId, 'not bound to the simulated adapter'));
    if (!device.reachable) return Promise.reject(new DeviceError('OFFLINE', actuatorId, 'simulated outage'));
    return new Promise((resolve) => this.after(device.latency, resolve));
  }

  /** Makes a device unreachable or reachable, as a power cut or a Wi-Fi drop would. */
  setReachable(actuatorId: string, reachable: boolean): void {
    const device = this.devices.get(actuatorId);
    if (!device || device.reachable === reachable) return;
    device.reachable = reachable;
    this.availability.next({ actuatorId, available: reachable, ...(reachable ? {} : { reason: 'simulated outage' }) });
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private scheduleOutage(actuatorId: string, every: number, duration: number): void {
    this.after(every, () => {
      this.setReachable(actuatorId, false);
      this.after(duration, () => {
        this.setReachable(actuatorId, true);
        this.scheduleOutage(actuatorId, every, duration);
      });
    });
  }

  private after(ms: number, callback: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      callback();
    }, ms);
    this.timers.add(timer);
  }
}
