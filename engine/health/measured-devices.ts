import type { StateValue } from '../core/actuator';
import type { DevicePort } from '../arbiter';
import type { Clock } from '../clock';
import type { TrendMonitor } from './trend-monitor';

/**
 * A DevicePort that times each dispatch on the engine's clock (virtual time in tests) and tells the trend monitor
 * how it ended: confirmed after so long, refused, or unanswered (the error's `code`, as a DeviceError has it).
 */
export class MeasuredDevices implements DevicePort {
  constructor(
    private readonly devices: DevicePort,
    private readonly clock: Clock,
    private readonly trends: TrendMonitor,
  ) {}

  apply(target: string, state: StateValue): Promise<void> | void {
    const started = this.clock.now();
    let pending: Promise<void> | void;
    try {
      pending = this.devices.apply(target, state);
    } catch (err) {
      this.trends.failed(target, codeOf(err));
      throw err;
    }
    if (!pending) return; // a logical actuator, confirmed at once: nothing to measure
    return pending.then(
      () => this.trends.dispatched(target, this.clock.now() - started),
      (err: unknown) => {
        this.trends.failed(target, codeOf(err));
        throw err;
      },
    );
  }
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
