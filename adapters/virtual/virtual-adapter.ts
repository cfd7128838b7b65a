import { z } from 'zod';
import { RealClock, type Clock } from '../../engine/clock';
import type { StateValue } from '../../engine/core/actuator';
import { durationSchema, stateSchema, zodIssues } from '../../engine/config/arbiter-config';
import { ConfigError, formatPath } from '../../engine/config/config-error';
import { DeviceError, type ActuatorBinding, type DeviceAdapter } from '../device-adapter';
import { AdapterStreams } from '../adapter-streams';

export const VIRTUAL = 'virtual';

/** What a simulated device can be made to do wrong (SPEC.md §4 "unavailable actuators"). */
export type VirtualFault = 'refuse' | 'timeout' | 'unreachable';

const optionsSchema = z.strictObject({
  /** The engine's clock, so that a replay or a test in virtual time moves the simulated devices too. */
  clock: z.custom<Clock>((c) => typeof c === 'object' && c !== null && typeof (c as Clock).now === 'function' && typeof (c as Clock).schedule === 'function', 'expected a Clock (now, schedule)').optional(),
  /** How long a device takes to carry out a command. */
  latency: durationSchema.optional(),
  /** How long a device with the `timeout` fault keeps the engine waiting before `apply` rejects. */
  timeout: durationSchema.optional(),
});
export type VirtualAdapterOptions = z.input<typeof optionsSchema>;

const bindingOptionsSchema = z.strictObject({
  /** The state the simulated device is in at start-up. */
  initial: stateSchema.optional(),
  /** This device's own latency, instead of the adapter's. */
  latency: durationSchema.optional(),
});

interface Device {
  readonly actuatorId: string;
  latency: number;
  state: StateValue | undefined;
  fault?: VirtualFault;
}

interface Pending {
  readonly device: Device;
  readonly reject: (err: DeviceError) => void;
  readonly cancel: () => void;
}

/**
 * A simulated home for examples, demos and replay: each bound actuator is a device in memory that takes
 * `latency` to carry out a command, can be made to refuse, time out or go unreachable, and can be pressed by
 * hand (`press`, a report as SPEC.md §5 has it). Time comes from the injected clock, so it runs in real time
 * (RealClock, or sinon's fake timers under it) and in virtual time (VirtualClock) alike.
 */
export class VirtualAdapter extends AdapterStreams implements DeviceAdapter {
  readonly name = VIRTUAL;

  private readonly clock: Clock;
  private readonly latency: number;
  private readonly timeout: number;
  private readonly devices = new Map<string /* actuator id */, Device>();
  private readonly pending = new Set<Pending>();
  private status: 'created' | 'running' | 'stopped' = 'created';

  constructor(options: VirtualAdapterOptions = {}) {
    super();
    const parsed = optionsSchema.safeParse(options);
    if (!parsed.success) throw new ConfigError(zodIssues(parsed.error, 'options'), 'virtual adapter');
    this.clock = parsed.data.clock ?? new RealClock();
    this.latency = parsed.data.latency ?? 0;
    this.timeout = parsed.data.timeout ?? 5000;
  }

  async start(bindings: readonly ActuatorBinding[]): Promise<void> {
    if (this.status !== 'created') throw new Error(`virtual: start: the adapter is already ${this.status}`);
    for (const b of bindings) {
      const parsed = bindingOptionsSchema.safeParse(b.options ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new DeviceError('UNSUPPORTED', b.actuatorId, `virtual device "${b.address}": ${formatPath(['options', ...issue.path])}: ${issue.message}`);
      }
      this.devices.set(b.actuatorId, { actuatorId: b.actuatorId, latency: parsed.data.latency ?? this.latency, state: parsed.data.initial });
    }
    this.status = 'running';
  }

  apply(actuatorId: string, state: StateValue): Promise<void> {
    const device = this.devices.get(actuatorId);
    if (!device) return Promise.reject(new DeviceError('UNKNOWN_DEVICE', actuatorId, 'not bound to the virtual adapter'));
    if (this.status !== 'running') return Promise.reject(new DeviceError('OFFLINE', actuatorId, `virtual adapter is ${this.status}`));
    if (device.fault === 'unreachable') return Promise.reject(new DeviceError('OFFLINE', actuatorId, 'virtual device unreachable (injected)'));
    const fault = device.fault;
    if (!fault && device.latency === 0) {
      device.state = state;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const delay = fault === 'timeout' ? this.timeout : device.latency;
      const pending: Pending = {
        device,
        reject,
        cancel: this.clock.schedule(this.clock.now() + delay, () => {
          this.pending.delete(pending);
          if (fault === 'refuse') return reject(new DeviceError('REFUSED', actuatorId, `virtual device refused ${JSON.stringify(state)} (injected)`));
          if (fault === 'timeout') return reject(new DeviceError('TIMEOUT', actuatorId, `virtual device did not answer within ${this.timeout} ms (injected)`));
          device.state = state;
          resolve();
        }),
      };
      this.pending.add(pending);
    });
  }

  /**
   * Reads the simulated device back after its latency: its state, which is also a report; a device with a fault
   * does not answer (TIMEOUT after `timeout`, OFFLINE at once when unreachable).
   */
  read(actuatorId: string): Promise<StateValue> {
    const device = this.devices.get(actuatorId);
    if (!device) return Promise.reject(new DeviceError('UNKNOWN_DEVICE', actuatorId, 'not bound to the virtual adapter'));
    if (this.status !== 'running') return Promise.reject(new DeviceError('OFFLINE', actuatorId, `virtual adapter is ${this.status}`));
    if (device.fault === 'unreachable') return Promise.reject(new DeviceError('OFFLINE', actuatorId, 'virtual device unreachable (injected)'));
    const silent = device.fault === 'timeout' || device.fault === 'refuse';
    return new Promise<StateValue>((resolve, reject) => {
      const pending: Pending = {
        device,
        reject,
        cancel: this.clock.schedule(this.clock.now() + (silent ? this.timeout : device.latency), () => {
          this.pending.delete(pending);
          if (silent || device.state === undefined) {
            const err = new DeviceError('TIMEOUT', actuatorId, `virtual device gave no state within ${silent ? this.timeout : device.latency} ms`);
            // As after a failed command, the device counts as unreachable until heal().
            if (silent) this.emitAvailability({ actuatorId, available: false, reason: err.message });
            return reject(err);
          }
          this.emitReport({ actuatorId, state: device.state });
          resolve(device.state);
        }),
      };
      this.pending.add(pending);
    });
  }

  /** Someone at the device changes it: the device takes the state and reports it (unless unreachable). */
  press(actuatorId: string, state: StateValue): void {
    const device = this.device('press', actuatorId);
    device.state = state;
    if (device.fault !== 'unreachable') this.emitReport({ actuatorId, state });
  }

  /** The device takes `latency` ms per command from now on (a motor wearing out, a weak radio link). */
  slowDown(actuatorId: string, latency: number): void {
    this.device('slowDown', actuatorId).latency = latency;
  }

  /** Makes the device misbehave from now on; `unreachable` also fails what it was carrying out. */
  inject(actuatorId: string, fault: VirtualFault): void {
    const device = this.device('inject', actuatorId);
    const wasUnreachable = device.fault === 'unreachable';
    device.fault = fault;
    if (fault === 'unreachable' && !wasUnreachable) {
      this.failPending(device, 'virtual device unreachable (injected)');
      this.emitAvailability({ actuatorId, available: false, reason: 'virtual device unreachable (injected)' });
    }
  }

  /**
   * Clears the device's fault and says it is available: after a refusal or a time-out the engine holds the
   * device unreachable (SPEC.md §4) until its adapter says otherwise.
   */
  heal(actuatorId: string): void {
    const device = this.device('heal', actuatorId);
    if (!device.fault) return;
    device.fault = undefined;
    this.emitAvailability({ actuatorId, available: true });
  }

  /** The simulated device's state (undefined until it has one). */
  state(actuatorId: string): StateValue | undefined {
    return this.device('state', actuatorId).state;
  }

  /** Cancels the simulated work still running (its `apply` rejects) and completes the streams; idempotent. */
  async stop(): Promise<void> {
    if (this.status === 'stopped') return;
    this.status = 'stopped';
    for (const device of this.devices.values()) this.failPending(device, 'virtual adapter stopped');
    this.completeStreams();
  }

  private failPending(device: Device, reason: string): void {
    for (const p of [...this.pending]) {
      if (p.device !== device) continue;
      this.pending.delete(p);
      p.cancel();
      p.reject(new DeviceError('OFFLINE', device.actuatorId, reason));
    }
  }

  private device(operation: string, actuatorId: string): Device {
    const device = this.devices.get(actuatorId);
    if (!device) throw new RangeError(`virtual: ${operation}: no virtual device for actuator "${actuatorId}" (bound: ${[...this.devices.keys()].join(', ') || 'none'})`);
    return device;
  }
}
