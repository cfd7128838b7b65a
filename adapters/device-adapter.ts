import type { Observable } from 'rxjs';
import type { StateValue } from '../engine/core/actuator';
import type { DispatchContext } from '../engine/arbiter';

/** Which adapter drives an actuator and where the device is (from the configuration's actuator entry). */
export interface ActuatorBinding {
  readonly actuatorId: string;
  readonly kind: string;
  /** `echonet-lite`, `zigbee2mqtt`, `zigbee-herdsman` or `virtual`. */
  readonly adapter: string;
  /** Protocol address: an IP and EOJ for ECHONET Lite, a friendly name for zigbee2mqtt, an IEEE address for herdsman. */
  readonly address: string;
  readonly options?: Readonly<Record<string, unknown>>;
}

/** The device says what state it is in, whoever changed it (SPEC.md §5 `report`). */
export interface DeviceReport {
  readonly actuatorId: string;
  readonly state: StateValue;
}

export interface AvailabilityChange {
  readonly actuatorId: string;
  readonly available: boolean;
  readonly reason?: string;
}

/**
 * A health reading a device gives beside its state, for trend warnings: `battery` (percent) and `linkquality`
 * (0-255) where zigbee2mqtt reports them, `fault` (1: the device reports a fault, 0: none; ECHONET Lite 0x88).
 */
export interface DeviceReading {
  readonly actuatorId: string;
  readonly measure: 'battery' | 'linkquality' | 'fault';
  readonly value: number;
}

/** Bad input from the network or the configuration: named device and field, never a crash. */
export interface AdapterProblem {
  readonly adapter: string;
  readonly device?: string;
  readonly field?: string;
  readonly message: string;
}

export type DeviceErrorCode = 'REFUSED' | 'TIMEOUT' | 'UNKNOWN_DEVICE' | 'UNSUPPORTED' | 'OFFLINE';

/** Why an `apply` failed; the engine then treats the device as unreachable. */
export class DeviceError extends Error {
  constructor(
    readonly code: DeviceErrorCode,
    readonly actuatorId: string,
    message: string,
  ) {
    super(`${actuatorId}: ${message}`);
    this.name = 'DeviceError';
  }
}

/**
 * One adapter per protocol. It keeps its library object private and speaks only in actuator ids and states.
 * `apply` resolves on the device's confirmation and rejects with a DeviceError on refusal or timeout.
 *
 * Recovery (`device-recovery.ts`): at start each bound device is read and its answer says it is available; after a
 * refusal or a time-out it is probed (read, never sent the command again) and its next answer makes it available.
 * A `start` that rejects leaves the adapter as it was before: `start` may be called again.
 */
export interface DeviceAdapter {
  readonly name: string;
  /**
   * Only one process may run it at a time, and starting it is more than listening and reading (zigbee-herdsman
   * owns the coordinator and may form its network): a cluster's warm standby starts it only when it takes over.
   */
  readonly exclusive?: boolean;
  readonly reports$: Observable<DeviceReport>;
  readonly availability$: Observable<AvailabilityChange>;
  readonly problems$: Observable<AdapterProblem>;
  readonly readings$: Observable<DeviceReading>;
  start(bindings: readonly ActuatorBinding[]): Promise<void>;
  /** `context.epoch` (cluster mode): adapters whose protocol can carry it pass it on, so a peer can drop older ones. */
  apply(actuatorId: string, state: StateValue, context?: DispatchContext): Promise<void>;
  /**
   * Reads the device's state back without changing anything (a Get, a ZCL read, never an actuation); the answer
   * is a report too. Rejects with a DeviceError when the device does not answer.
   */
  read(actuatorId: string): Promise<StateValue>;
  /** Releases sockets, clients and timers; a second call does nothing. */
  stop(): Promise<void>;
}
