import { connectAsync, type MqttClient } from 'mqtt';
import { ReplaySubject, Subject, type Observable } from 'rxjs';
import { EPOCH_PROPERTY } from '../../../../adapters/zigbee2mqtt';

/** The device families the emulator knows, publishing what zigbee-herdsman-converters' converters publish. */
export type EmulatedType = 'lock' | 'cover' | 'switch';

type DeviceState = Record<string, string | number>;

interface EmulatedDevice {
  readonly type: EmulatedType;
  state: DeviceState;
  /** Takes commands but publishes nothing back (a device that dropped off the mesh without the bridge noticing). */
  silent: boolean;
}

/**
 * A zigbee2mqtt bridge on a real broker, without the radio: it takes `<base>/<name>/set`, changes the emulated
 * device and publishes the device's whole JSON state on `<base>/<name>`, as zigbee2mqtt does after a command.
 * It can go offline (`bridge/state`), mark one device unavailable, stay silent for one device, simulate a press
 * at the device, and publish anything raw for the malformed-payload tests.
 */
export class BridgeEmulator {
  private readonly devices = new Map<string /* friendly name */, EmulatedDevice>();
  private readonly changesSubject = new Subject<{ name: string; state: DeviceState }>();
  private readonly commandsSubject = new ReplaySubject<{ name: string; payload: unknown }>();
  /**
   * Every `/set` payload taken, in order, as parsed JSON (or the raw text when it was not JSON); with the cluster
   * epoch of its MQTT 5 user property (cluster mode, MQTT 5), also when it arrived (`performance.now()`).
   */
  readonly received: { name: string; payload: unknown; epoch?: number; at?: number }[] = [];
  /** The same, as a stream that replays what came before. */
  readonly commands$ = this.commandsSubject.asObservable();
  private client?: MqttClient;
  private online = true;

  /** Each change of an emulated device's state, after it was published. */
  readonly changes$: Observable<{ name: string; state: DeviceState }> = this.changesSubject.asObservable();

  constructor(
    private readonly url: string,
    private readonly baseTopic = 'zigbee2mqtt',
    /** MQTT 5 to see the epoch a dispatch carries (mosquitto; aedes speaks 3.1.1 only). */
    private readonly protocolVersion: 4 | 5 = 4,
  ) {}

  addDevice(name: string, type: EmulatedType, state: DeviceState): this {
    this.devices.set(name, { type, state: { ...state }, silent: false });
    return this;
  }

  async start(): Promise<void> {
    const client = await connectAsync(this.url, { protocolVersion: this.protocolVersion, reconnectPeriod: 0 }, false);
    this.client = client;
    (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true); // answer at once, as a bridge on a LAN would
    client.on('message', (topic, payload, packet) => {
      const epoch = packet.properties?.userProperties?.[EPOCH_PROPERTY];
      void this.onMessage(topic, payload.toString('utf8'), typeof epoch === 'string' ? Number(epoch) : undefined);
    });
    await client.subscribeAsync(`${this.baseTopic}/#`, { qos: 1 });
    await this.publishBridgeState();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await client.endAsync();
    this.changesSubject.complete();
    this.commandsSubject.complete();
  }

  state(name: string): DeviceState {
    const device = this.devices.get(name);
    if (!device) throw new RangeError(`bridge emulator: no device "${name}"`);
    return { ...device.state };
  }

  async goOffline(): Promise<void> {
    this.online = false;
    await this.publishBridgeState();
  }

  async goOnline(): Promise<void> {
    this.online = true;
    await this.publishBridgeState();
  }

  silence(name: string, silent = true): void {
    this.device(name).silent = silent;
  }

  async setAvailability(name: string, online: boolean): Promise<void> {
    this.device(name);
    await this.publish(`${this.baseTopic}/${name}/availability`, JSON.stringify({ state: online ? 'online' : 'offline' }));
  }

  /** Someone at the device: a hand on the lock's thumb-turn, the wall switch, the cover's button. */
  async press(name: string, change: DeviceState): Promise<void> {
    const device = this.device(name);
    device.state = { ...device.state, ...change };
    await this.publishState(name);
  }

  /** Publishes `payload` as is on `<base>/<suffix>`. */
  async publishRaw(suffix: string, payload: string): Promise<void> {
    await this.publish(`${this.baseTopic}/${suffix}`, payload);
  }

  private async onMessage(topic: string, text: string, epoch?: number): Promise<void> {
    const prefix = `${this.baseTopic}/`;
    if (topic.startsWith(prefix) && topic.endsWith('/get')) {
      // zigbee2mqtt reads the device and publishes its state (lib/extension/publish.ts, convertGet).
      const name = topic.slice(prefix.length, -'/get'.length);
      const device = this.devices.get(name);
      if (device && this.online && !device.silent) await this.publishState(name);
      return;
    }
    if (!topic.startsWith(prefix) || !topic.endsWith('/set')) return;
    const name = topic.slice(prefix.length, -'/set'.length);
    const device = this.devices.get(name);
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      payload = text;
    }
    this.received.push({ name, payload, ...(epoch === undefined ? {} : { epoch, at: performance.now() }) });
    this.commandsSubject.next({ name, payload });
    if (!device || !this.online || typeof payload !== 'object' || payload === null) return;
    for (const step of this.transition(device, payload as Record<string, unknown>)) {
      device.state = { ...device.state, ...step };
      if (!device.silent) await this.publishState(name);
    }
  }

  /** The states a command passes through, as zigbee-herdsman-converters would publish them. */
  private transition(device: EmulatedDevice, command: Record<string, unknown>): DeviceState[] {
    const { state, position } = command;
    switch (device.type) {
      case 'lock':
        // closuresDoorLock lockState: the bolt passes "not fully locked" before it is locked or unlocked.
        if (state === 'LOCK') return [{ state: 'UNLOCK', lock_state: 'not_fully_locked' }, { state: 'LOCK', lock_state: 'locked' }];
        if (state === 'UNLOCK') return [{ state: 'UNLOCK', lock_state: 'unlocked' }];
        return [];
      case 'cover':
        if (state === 'OPEN' || state === 'CLOSE') return [{ state, position: state === 'OPEN' ? 100 : 0 }];
        if (typeof position === 'number') {
          // A moving cover reports positions on its way (currentPositionLiftPercentage attribute reports).
          const from = Number(device.state.position ?? 0);
          const midway = Math.round((from + position) / 2);
          const coverState = (p: number) => (p === 0 ? 'CLOSE' : 'OPEN');
          return midway === position ? [{ position, state: coverState(position) }] : [{ position: midway, state: coverState(midway) }, { position, state: coverState(position) }];
        }
        return [];
      case 'switch':
        return state === 'ON' || state === 'OFF' ? [{ state }] : [];
    }
  }

  private device(name: string): EmulatedDevice {
    const device = this.devices.get(name);
    if (!device) throw new RangeError(`bridge emulator: no device "${name}"`);
    return device;
  }

  private async publishState(name: string): Promise<void> {
    const device = this.device(name);
    await this.publish(`${this.baseTopic}/${name}`, JSON.stringify({ ...device.state, linkquality: 120 }));
    this.changesSubject.next({ name, state: { ...device.state } });
  }

  private async publishBridgeState(): Promise<void> {
    await this.publish(`${this.baseTopic}/bridge/state`, JSON.stringify({ state: this.online ? 'online' : 'offline' }), true);
  }

  private async publish(topic: string, payload: string, retain = false): Promise<void> {
    if (!this.client) throw new Error('bridge emulator: not started');
    await this.client.publishAsync(topic, payload, { qos: 1, retain });
  }
}
