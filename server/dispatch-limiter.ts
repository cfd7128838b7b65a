import type { StateValue } from '../engine/core/actuator';
import type { DevicePort } from '../engine/arbiter';

/**
 * Bounds how many device commands are in flight at once. After a restart or when a whole adapter comes back,
 * the engine dispatches every desired state that differs; this port hands them to the devices in batches of
 * `maxInFlight` (no thundering herd on a Zigbee mesh or a Wi-Fi hub), and times each for the latency metric.
 * It starts closed: what the engine dispatches while the adapters are still starting waits for `open()`.
 */
export class DispatchLimiter implements DevicePort {
  private inFlight = 0;
  private opened = false;
  private readonly queue: (() => void)[] = [];

  constructor(
    private readonly devices: DevicePort,
    private readonly maxInFlight: number,
    private readonly confirmed: (target: string, seconds: number) => void,
  ) {}

  apply(target: string, state: StateValue): Promise<void> | void {
    if (!this.opened || this.inFlight >= this.maxInFlight) {
      return new Promise<void>((resolve) => this.queue.push(resolve)).then(() => this.run(target, state, true));
    }
    return this.run(target, state, false);
  }

  /** The devices are reachable: what waited goes out, `maxInFlight` at a time. */
  open(): void {
    this.opened = true;
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      this.inFlight++;
      this.queue.shift()!();
    }
  }

  private run(target: string, state: StateValue, queued: boolean): Promise<void> | void {
    const started = performance.now();
    let pending: Promise<void> | void;
    try {
      pending = this.devices.apply(target, state);
    } catch (err) {
      if (queued) this.next();
      throw err;
    }
    if (!pending) {
      if (queued) this.next();
      return;
    }
    if (!queued) this.inFlight++;
    return pending.then(
      () => {
        this.confirmed(target, (performance.now() - started) / 1000);
        this.next();
      },
      (err: unknown) => {
        this.next();
        throw err;
      },
    );
  }

  /** A slot frees: the oldest queued dispatch takes it, or the count drops. */
  private next(): void {
    const waiting = this.queue.shift();
    if (waiting) waiting();
    else this.inFlight--;
  }
}
