import { connectAsync, type MqttClient } from 'mqtt';
import { z } from 'zod';
import type { StateValue } from '../../engine/core/actuator';
import type { DispatchContext } from '../../engine/arbiter';
import { durationSchema, zodIssues } from '../../engine/config/arbiter-config';
import { ConfigError } from '../../engine/config/config-error';
import { DeviceError, type ActuatorBinding, type AdapterProblem, type AvailabilityChange, type DeviceAdapter } from '../device-adapter';
import { DeviceRecovery } from '../device-recovery';
import { classifyTopic, parseFailedCommand, parseOnline, parseStateObject } from './bridge-messages';
import { codecFor, decodeState, encodeState, readProperty, type DeviceCodec } from './device-codec';
import { AdapterStreams } from '../adapter-streams';

export const ZIGBEE2MQTT = 'zigbee2mqtt';
/** The MQTT 5 user property of a `/set` publish that carries the cluster leader's epoch. */
export const EPOCH_PROPERTY = 'home-arbiter-epoch';
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_PROBE_INTERVAL_MS = 30_000;

const optionsSchema = z.strictObject({
  /** `mqtt://host:1883`, `mqtts://...`, `ws://...`: whatever mqtt.js accepts. */
  url: z.string().min(1),
  /** zigbee2mqtt's `mqtt.base_topic`. */
  baseTopic: z.string().min(1).optional(),
  /** How long `apply` waits for the state echo, and `read` for the state. */
  timeout: durationSchema.optional(),
  /**
   * The MQTT protocol version, as zigbee2mqtt's `mqtt.version`: 4 (3.1.1, its default, spoken by every broker) or
   * 5, which also carries the cluster leader's epoch with each `/set` (docs/cluster.md).
   */
  version: z.union([z.literal(4), z.literal(5)]).optional(),
  /** How often a device that failed (time-out, refusal) or has not answered since start is asked for its state. */
  probeInterval: durationSchema.optional(),
  clientId: z.string().min(1).optional(),
  username: z.string().optional(),
  password: z.string().optional(),
});
export type Zigbee2MqttOptions = z.input<typeof optionsSchema>;

interface Pending {
  readonly state: StateValue;
  readonly resolve: () => void;
  readonly reject: (err: DeviceError) => void;
  readonly timer: NodeJS.Timeout;
}

interface PendingRead {
  readonly resolve: (state: StateValue) => void;
  readonly reject: (err: DeviceError) => void;
  readonly timer: NodeJS.Timeout;
}

interface Device {
  readonly actuatorId: string;
  readonly name: string;
  readonly codec: DeviceCodec;
  /** From `<name>/availability`; devices without availability tracking stay online. */
  online: boolean;
  /** What availability$ last said (the engine starts every actuator available). */
  available: boolean;
  /** Dispatches awaiting their echo, oldest first. */
  pending: Pending[];
  /** Reads (`/get`) awaiting the device's state. */
  reads: PendingRead[];
}

/**
 * Drives actuators through a zigbee2mqtt bridge over MQTT: a dispatch is a publish to `<base>/<name>/set`,
 * confirmed by the device's state echo on `<base>/<name>`. Every state message is a report (SPEC.md §5), the
 * positions a cover passes on its way included: the engine tells progress from a hand at the device, as it knows
 * what is in flight (docs/contract-notes.md 3). The mqtt client stays private; outward it speaks actuator ids and
 * states.
 */
export class Zigbee2MqttAdapter extends AdapterStreams implements DeviceAdapter {
  readonly name = ZIGBEE2MQTT;

  private readonly url: string;
  private readonly baseTopic: string;
  private readonly timeoutMs: number;
  private readonly version: 4 | 5;
  private readonly probeIntervalMs: number;
  private readonly recovery = new DeviceRecovery<StateValue>((change) => this.recovered(change));
  private probeTimer?: NodeJS.Timeout;
  private readonly clientOptions: { clientId?: string; username?: string; password?: string };
  private readonly byName = new Map<string /* friendly name */, Device>();
  private readonly byActuator = new Map<string /* actuator id */, Device>();
  /** Names already reported as unknown: a bridge with fifty unbound devices is one problem each, not a flood. */
  private readonly unknownNames = new Set<string /* friendly name */>();
  private client?: MqttClient;
  private connected = false;
  /** `<base>/bridge/state`; assumed online until the bridge (or its retained message) says otherwise. */
  private bridgeOnline = true;
  /** The client's last error, reported once: mqtt.js repeats ECONNREFUSED on every reconnect attempt. */
  private lastClientError?: string;
  private status: 'created' | 'running' | 'stopped' = 'created';

  constructor(options: Zigbee2MqttOptions) {
    super();
    const parsed = optionsSchema.safeParse(options);
    if (!parsed.success) throw new ConfigError(zodIssues(parsed.error, 'options'), 'zigbee2mqtt adapter');
    const { url, baseTopic, timeout, probeInterval, version, ...clientOptions } = parsed.data;
    this.url = url;
    this.version = version ?? 4;
    this.baseTopic = baseTopic ?? 'zigbee2mqtt';
    this.timeoutMs = timeout ?? DEFAULT_TIMEOUT_MS;
    this.probeIntervalMs = probeInterval ?? DEFAULT_PROBE_INTERVAL_MS;
    this.clientOptions = clientOptions;
  }

  /**
   * Checks every binding, connects, subscribes to the whole base topic and asks each device for its state (its
   * answer says it is available). A broker that refuses fails here, and leaves the adapter ready to start again.
   */
  async start(bindings: readonly ActuatorBinding[]): Promise<void> {
    if (this.status !== 'created') throw new Error(`zigbee2mqtt: start: the adapter is already ${this.status}`);
    for (const b of bindings) this.bind(b);
    this.status = 'running';
    let client: MqttClient;
    try {
      // MQTT 3.1.1 unless asked for 5: zigbee2mqtt's default (`mqtt.version: 4`), spoken by every broker.
      client = await connectAsync(this.url, { ...this.clientOptions, protocolVersion: this.version, reconnectPeriod: 1000 }, false);
    } catch (err) {
      if (this.status === 'running') this.status = 'created';
      this.byName.clear();
      this.byActuator.clear();
      throw new Error(`zigbee2mqtt: cannot connect to ${this.url}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (this.status !== 'running') {
      await client.endAsync(); // stopped while connecting
      return;
    }
    this.client = client;
    this.connected = true;
    noDelay(client);
    client.on('message', (topic, payload) => this.onMessage(topic, payload.toString('utf8')));
    client.on('connect', () => {
      noDelay(client);
      this.lastClientError = undefined;
      this.setConnected(true);
    });
    client.on('close', () => this.setConnected(false));
    client.on('error', (err) => this.clientError(err));
    // One wildcard: friendly names may contain `/`, and messages of unbound devices must be seen to be reported.
    await client.subscribeAsync(`${this.baseTopic}/#`, { qos: 1 });
    this.recovery.expectFirstAnswer(this.byActuator.keys(), undefined);
    for (const device of this.byActuator.values()) this.requestState(device);
    this.armProbe();
  }

  /** Asks zigbee2mqtt to read the device (`<name>/get`); the state it publishes is a report. */
  read(actuatorId: string): Promise<StateValue> {
    const device = this.byActuator.get(actuatorId);
    if (!device) return Promise.reject(new DeviceError('UNKNOWN_DEVICE', actuatorId, 'not bound to the zigbee2mqtt adapter'));
    if (this.status !== 'running' || !this.client) return Promise.reject(new DeviceError('OFFLINE', actuatorId, `zigbee2mqtt adapter is ${this.status}`));
    const reason = this.linkDown(device);
    if (reason) return Promise.reject(new DeviceError('OFFLINE', actuatorId, `"${device.name}": ${reason}`));
    return new Promise<StateValue>((resolve, reject) => {
      const read: PendingRead = {
        resolve,
        reject,
        timer: setTimeout(() => {
          device.reads.splice(device.reads.indexOf(read), 1);
          const err = new DeviceError('TIMEOUT', actuatorId, `no state from "${device.name}" within ${this.timeoutMs} ms of ${this.baseTopic}/${device.name}/get`);
          this.recovery.timedOut(actuatorId, err.message);
          reject(err);
        }, this.timeoutMs),
      };
      device.reads.push(read);
      this.requestState(device);
    });
  }

  apply(actuatorId: string, state: StateValue, context: DispatchContext = {}): Promise<void> {
    const device = this.byActuator.get(actuatorId);
    if (!device) return Promise.reject(new DeviceError('UNKNOWN_DEVICE', actuatorId, 'not bound to the zigbee2mqtt adapter'));
    const client = this.client;
    if (this.status !== 'running' || !client) return Promise.reject(new DeviceError('OFFLINE', actuatorId, `zigbee2mqtt adapter is ${this.status}`));
    const payload = encodeState(device.codec, state);
    if (!payload) return Promise.reject(new DeviceError('UNSUPPORTED', actuatorId, `state ${JSON.stringify(state)} has no zigbee2mqtt value for "${device.name}"`));
    const reason = this.linkDown(device);
    if (reason) return Promise.reject(new DeviceError('OFFLINE', actuatorId, `"${device.name}": ${reason}`));
    const topic = `${this.baseTopic}/${device.name}/set`;
    return new Promise<void>((resolve, reject) => {
      const pending: Pending = {
        state,
        resolve,
        reject,
        timer: setTimeout(() => this.timedOut(device, pending), this.timeoutMs),
      };
      device.pending.push(pending);
      // MQTT 5 user property: a bridge or device that knows it can drop a dispatch of a fenced (older) leader.
      const properties = context.epoch === undefined || this.version !== 5 ? undefined : { userProperties: { [EPOCH_PROPERTY]: String(context.epoch) } };
      client.publish(topic, JSON.stringify(payload), { qos: 1, ...(properties ? { properties } : {}) }, (err) => {
        if (err) this.settle(device, pending, new DeviceError('OFFLINE', actuatorId, `publish to ${topic} failed: ${err.message}`));
      });
    });
  }

  /** Rejects what is still waiting, disconnects and completes the streams; a second call does nothing. */
  async stop(): Promise<void> {
    if (this.status === 'stopped') return;
    this.status = 'stopped';
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
    for (const device of this.byActuator.values()) this.rejectPending(device, 'zigbee2mqtt adapter stopped');
    this.recovery.clear();
    const client = this.client;
    this.client = undefined;
    if (client) await client.endAsync();
    this.completeStreams();
  }

  // ---- bindings --------------------------------------------------------------------------------------------

  private bind(b: ActuatorBinding): void {
    const codec = codecFor(b.kind, b.options);
    if ('error' in codec) throw new DeviceError('UNSUPPORTED', b.actuatorId, `zigbee2mqtt device "${b.address}": ${codec.error}`);
    const other = this.byName.get(b.address);
    if (other) throw new DeviceError('UNSUPPORTED', b.actuatorId, `zigbee2mqtt device "${b.address}" is already bound to ${other.actuatorId}`);
    const device: Device = { actuatorId: b.actuatorId, name: b.address, codec, online: true, available: true, pending: [], reads: [] };
    this.byName.set(b.address, device);
    this.byActuator.set(b.actuatorId, device);
  }

  // ---- incoming messages -----------------------------------------------------------------------------------

  private onMessage(topic: string, payload: string): void {
    if (this.status !== 'running') return;
    const message = classifyTopic(this.baseTopic, topic);
    switch (message.kind) {
      case 'bridge-state':
        return this.onBridgeState(payload);
      case 'bridge-logging':
        return this.onLogging(payload);
      case 'availability':
        return this.onAvailability(message.name, payload);
      case 'state':
        return this.onState(message.name, payload);
    }
  }

  private onBridgeState(payload: string): void {
    const online = parseOnline(payload);
    if (typeof online !== 'boolean') return this.problem({ device: 'bridge', field: 'state', message: `${this.baseTopic}/bridge/state: ${online.error}` });
    this.bridgeOnline = online;
    this.updateAvailability();
  }

  private onAvailability(name: string, payload: string): void {
    const device = this.known(name);
    if (!device) return;
    const online = parseOnline(payload);
    if (typeof online !== 'boolean') return this.problem({ device: name, field: 'availability', message: `${device.actuatorId}: ${online.error}` });
    device.online = online;
    if (online) this.recovery.answered(device.actuatorId);
    this.updateAvailability();
  }

  private onState(name: string, payload: string): void {
    const device = this.known(name);
    if (!device) return;
    this.readState(device, payload);
    // After the report: the engine learns the device's state before it hears the device is back and re-dispatches.
    this.recovery.answered(device.actuatorId);
  }

  /**
   * zigbee2mqtt answers a failed `/set` or `/get` only in its log (`bridge/logging`, lib/extension/publish.ts):
   * a ZCL status is a refusal, anything else (time-out, delivery failure) is no answer. Either way the command
   * waiting longest for that device fails now rather than at our time-out.
   */
  private onLogging(payload: string): void {
    const failed = parseFailedCommand(payload);
    const device = failed && this.byName.get(failed.name);
    if (!failed || !device) return;
    if (failed.type === 'get') {
      const message = `zigbee2mqtt could not read ${failed.property} of "${device.name}": ${failed.error}`;
      const read = device.reads.shift();
      if (read) {
        clearTimeout(read.timer);
        read.reject(new DeviceError(failed.refused ? 'REFUSED' : 'TIMEOUT', device.actuatorId, message));
      } else if (failed.refused) {
        // The start-up read or a probe: a device that refuses to be read is most likely bound to a property it lacks.
        this.problem({ device: device.name, field: failed.property, message: `${device.actuatorId}: ${message}` });
      }
      if (!failed.refused) this.recovery.timedOut(device.actuatorId, `"${device.name}" did not answer a read: ${failed.error}`);
      return;
    }
    const pending = device.pending[0];
    if (!pending) return;
    const message = `zigbee2mqtt could not set ${failed.property} of "${device.name}": ${failed.error}`;
    if (failed.refused) this.recovery.refused(device.actuatorId, pending.state, message);
    else this.recovery.timedOut(device.actuatorId, message, pending.state);
    this.settle(device, pending, new DeviceError(failed.refused ? 'REFUSED' : 'TIMEOUT', device.actuatorId, message));
  }

  private readState(device: Device, payload: string): void {
    const parsed = parseStateObject(payload);
    if (!parsed.ok) return this.problem({ device: device.name, message: `${device.actuatorId}: ${parsed.error}` });
    const decoded = decodeState(device.codec, parsed.value);
    if (decoded.problem) return this.problem({ device: device.name, field: decoded.problem.field, message: `${device.actuatorId}: ${decoded.problem.message}` });
    for (const measure of ['battery', 'linkquality'] as const) {
      const value = parsed.value[measure];
      if (typeof value === 'number' && Number.isFinite(value)) this.emitReading({ actuatorId: device.actuatorId, measure, value });
    }
    const state = decoded.state;
    if (state === undefined) return;
    for (const echoed of device.pending.filter((p) => p.state === state)) {
      this.settle(device, echoed);
      this.recovery.spoke(device.actuatorId);
    }
    for (const read of device.reads.splice(0)) {
      clearTimeout(read.timer);
      read.resolve(state);
    }
    this.emitReport({ actuatorId: device.actuatorId, state });
  }

  private known(name: string): Device | undefined {
    const device = this.byName.get(name);
    if (!device && !this.unknownNames.has(name)) {
      this.unknownNames.add(name);
      this.problem({ device: name, message: `"${name}" is not bound to any actuator (further messages from it are ignored silently)` });
    }
    return device;
  }

  // ---- availability ----------------------------------------------------------------------------------------

  private setConnected(connected: boolean): void {
    if (this.status !== 'running' || this.connected === connected) return;
    this.connected = connected;
    this.updateAvailability();
  }

  /** Why a command cannot reach the device now, if it cannot. */
  private linkDown(device: Device): string | undefined {
    if (!this.connected) return `connection to the MQTT broker ${this.url} lost`;
    if (!this.bridgeOnline) return `zigbee2mqtt bridge offline (${this.baseTopic}/bridge/state)`;
    if (!device.online) return `device offline (${this.baseTopic}/${device.name}/availability)`;
    return undefined;
  }

  /** A device that failed may still take commands (it is how it gets a chance to answer), but counts as unavailable. */
  private unavailableReason(device: Device): string | undefined {
    return this.linkDown(device) ?? this.recovery.reason(device.actuatorId);
  }

  /** The engine holds a device unreachable after a failed dispatch (SPEC.md §4) until its adapter says it is back. */
  private timedOut(device: Device, pending: Pending): void {
    const err = new DeviceError('TIMEOUT', device.actuatorId, `no state echo from "${device.name}" within ${this.timeoutMs} ms`);
    this.recovery.timedOut(device.actuatorId, err.message, pending.state);
    this.settle(device, pending, err);
  }

  /**
   * What the recovery decided: unavailable at once; available unless the link is down (then `updateAvailability`
   * says so when it comes back). An answer at start says "available" even where nothing changed here: the engine
   * may have restored the actuator unavailable from its store.
   */
  private recovered(change: AvailabilityChange): void {
    const device = this.byActuator.get(change.actuatorId)!;
    if (change.available && this.linkDown(device)) return;
    device.available = change.available;
    this.emitAvailability(change);
  }

  /** Every `probeInterval`, each device that failed or has not answered since start is asked for its state. */
  private armProbe(): void {
    this.probeTimer = setInterval(() => {
      for (const id of this.recovery.unreachable) {
        const device = this.byActuator.get(id)!;
        if (!this.linkDown(device)) this.requestState(device);
      }
    }, this.probeIntervalMs);
  }

  private requestState(device: Device): void {
    this.client?.publish(`${this.baseTopic}/${device.name}/get`, JSON.stringify({ [readProperty(device.codec)]: '' }), { qos: 1 }, (err) => {
      if (err) this.problem({ device: device.name, message: `${device.actuatorId}: publish to ${this.baseTopic}/${device.name}/get failed: ${err.message}` });
    });
  }

  /** Emits each device whose availability changed; what was waiting on a now unreachable device fails at once. */
  private updateAvailability(): void {
    for (const device of this.byActuator.values()) {
      const reason = this.unavailableReason(device);
      const available = reason === undefined;
      if (available === device.available) continue;
      device.available = available;
      if (reason) this.rejectPending(device, reason);
      this.emitAvailability({ actuatorId: device.actuatorId, available, ...(reason ? { reason } : {}) });
    }
  }

  // ---- pending dispatches ----------------------------------------------------------------------------------

  private settle(device: Device, pending: Pending, err?: DeviceError): void {
    const i = device.pending.indexOf(pending);
    if (i < 0) return;
    device.pending.splice(i, 1);
    clearTimeout(pending.timer);
    if (err) pending.reject(err);
    else pending.resolve();
  }

  private rejectPending(device: Device, reason: string): void {
    const err = new DeviceError('OFFLINE', device.actuatorId, `"${device.name}": ${reason}`);
    for (const p of [...device.pending]) this.settle(device, p, err);
    for (const read of device.reads.splice(0)) {
      clearTimeout(read.timer);
      read.reject(err);
    }
  }

  private clientError(err: Error): void {
    if (this.status !== 'running' || err.message === this.lastClientError) return;
    this.lastClientError = err.message;
    this.problem({ message: `MQTT client (${this.url}): ${err.message}` });
  }

  private problem(problem: Omit<AdapterProblem, 'adapter'>): void {
    this.emitProblem({ adapter: ZIGBEE2MQTT, ...problem });
  }
}

/**
 * A command is a few dozen bytes written right after the PUBACK of the previous echo: with Nagle's algorithm on,
 * TCP holds it until the broker's delayed ACK (40 ms on Linux). WebSocket streams have no such switch.
 */
function noDelay(client: MqttClient): void {
  (client.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true);
}
