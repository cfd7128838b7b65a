import { connectAsync, type MqttClient } from 'mqtt';
import { z } from 'zod';
import type { StateValue } from '../../engine/core/actuator';
import type { DispatchContext } from '../../engine/arbiter';
import { durationSchema, zodIssues } from '../../engine/config/arbiter-config';
import { ConfigError } from '../../engine/config/config-error';
import { DeviceError, type ActuatorBinding, type AdapterProblem, type DeviceAdapter } from '../device-adapter';
import { classifyTopic, parseOnline, parseStateObject } from './bridge-messages';
import { codecFor, decodeState, encodeState, type DeviceCodec } from './device-codec';
import { AdapterStreams } from '../adapter-streams';

export const ZIGBEE2MQTT = 'zigbee2mqtt';
/** The MQTT 5 user property of a `/set` publish that carries the cluster leader's epoch. */
export const EPOCH_PROPERTY = 'home-arbiter-epoch';
const DEFAULT_TIMEOUT_MS = 10_000;

const optionsSchema = z.strictObject({
  /** `mqtt://host:1883`, `mqtts://...`, `ws://...`: whatever mqtt.js accepts. */
  url: z.string().min(1),
  /** zigbee2mqtt's `mqtt.base_topic`. */
  baseTopic: z.string().min(1).optional(),
  /** How long `apply` waits for the state echo. */
  timeout: durationSchema.optional(),
  /**
   * The MQTT protocol version, as zigbee2mqtt's `mqtt.version`: 4 (3.1.1, its default, spoken by every broker) or
   * 5, which also carries the cluster leader's epoch with each `/set` (docs/cluster.md).
   */
  version: z.union([z.literal(4), z.literal(5)]).optional(),
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

interface Device {
  readonly actuatorId: string;
  readonly name: string;
  readonly codec: DeviceCodec;
  /** From `<name>/availability`; devices without availability tracking stay online. */
  online: boolean;
  /** What availability$ last said (the engine starts every actuator available). */
  available: boolean;
  /** A dispatch timed out and nothing was heard from the device since: unreachable until it speaks again. */
  silent: boolean;
  /** Dispatches awaiting their echo, oldest first. */
  pending: Pending[];
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
    const { url, baseTopic, timeout, version, ...clientOptions } = parsed.data;
    this.url = url;
    this.version = version ?? 4;
    this.baseTopic = baseTopic ?? 'zigbee2mqtt';
    this.timeoutMs = timeout ?? DEFAULT_TIMEOUT_MS;
    this.clientOptions = clientOptions;
  }

  /** Checks every binding, connects and subscribes to the whole base topic; a broker that refuses fails here. */
  async start(bindings: readonly ActuatorBinding[]): Promise<void> {
    if (this.status !== 'created') throw new Error(`zigbee2mqtt: start: the adapter is already ${this.status}`);
    for (const b of bindings) this.bind(b);
    this.status = 'running';
    let client: MqttClient;
    try {
      // MQTT 3.1.1 unless asked for 5: zigbee2mqtt's default (`mqtt.version: 4`), spoken by every broker.
      client = await connectAsync(this.url, { ...this.clientOptions, protocolVersion: this.version, reconnectPeriod: 1000 }, false);
    } catch (err) {
      await this.stop();
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
    for (const device of this.byActuator.values()) this.rejectPending(device, 'zigbee2mqtt adapter stopped');
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
    const device: Device = { actuatorId: b.actuatorId, name: b.address, codec, online: true, available: true, silent: false, pending: [] };
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
    if (online) device.silent = false;
    this.updateAvailability();
  }

  private onState(name: string, payload: string): void {
    const device = this.known(name);
    if (!device) return;
    this.readState(device, payload);
    // After the report: the engine learns the device's state before it hears the device is back and re-dispatches.
    this.heard(device);
  }

  private readState(device: Device, payload: string): void {
    const parsed = parseStateObject(payload);
    if (!parsed.ok) return this.problem({ device: device.name, message: `${device.actuatorId}: ${parsed.error}` });
    const decoded = decodeState(device.codec, parsed.value);
    if (decoded.problem) return this.problem({ device: device.name, field: decoded.problem.field, message: `${device.actuatorId}: ${decoded.problem.message}` });
    const state = decoded.state;
    if (state === undefined) return;
    for (const echoed of device.pending.filter((p) => p.state === state)) this.settle(device, echoed);
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

  /** A silent device may still take commands (it is how it gets a chance to answer), but counts as unavailable. */
  private unavailableReason(device: Device): string | undefined {
    return this.linkDown(device) ?? (device.silent ? `no state echo from the device since a command timed out after ${this.timeoutMs} ms` : undefined);
  }

  /**
   * The engine holds a device unreachable after a failed dispatch (SPEC.md §4) until its adapter says it is
   * available again: a device that timed out is marked silent, and any message from it lifts that.
   */
  private timedOut(device: Device, pending: Pending): void {
    this.settle(device, pending, new DeviceError('TIMEOUT', device.actuatorId, `no state echo from "${device.name}" within ${this.timeoutMs} ms`));
    device.silent = true;
    this.updateAvailability();
  }

  private heard(device: Device): void {
    if (!device.silent) return;
    device.silent = false;
    this.updateAvailability();
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
    for (const p of [...device.pending]) this.settle(device, p, new DeviceError('OFFLINE', device.actuatorId, `"${device.name}": ${reason}`));
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
