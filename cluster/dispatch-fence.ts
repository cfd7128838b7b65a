import type { DevicePort, DispatchContext } from '../engine/arbiter';
import type { StateValue } from '../engine/core/actuator';
import { DeviceError } from '../adapters/device-adapter';

/**
 * The port every dispatch passes right before its adapter: it carries the leader's epoch to the adapter and
 * refuses the dispatch at once when this node no longer holds the lease (a paused process that resumes after its
 * lease lapsed sends nothing). The check is synchronous, against the monotonic clock.
 */
export class DispatchFence implements DevicePort {
  /** Dispatches refused because the lease was gone, for the status page and the tests. */
  refused = 0;

  constructor(
    private readonly devices: DevicePort,
    private readonly validEpoch: () => number | undefined,
  ) {}

  apply(target: string, state: StateValue, context: DispatchContext = {}): Promise<void> | void {
    const epoch = this.validEpoch();
    if (epoch === undefined) {
      this.refused++;
      return Promise.reject(new DeviceError('OFFLINE', target, 'fenced: this node no longer holds the cluster lease'));
    }
    return this.devices.apply(target, state, { ...context, epoch });
  }
}
