import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { stringify } from 'yaml';
import type { Behaviour } from '../../zigbee-herdsman/support/simulated-device';
import type { BridgeDeviceSpec, BridgeMessage, BridgeRequest } from './real-bridge-protocol';

/** A device of the test home: its friendly name in zigbee2mqtt and the simulated device that plays it. */
export interface BridgeDevice extends BridgeDeviceSpec {
  readonly name: string;
}

const BASE_TOPIC = 'zigbee2mqtt';
const PRELOAD = join(__dirname, 'z2m-preload.js');
/** Start-up loads the converters (some 4,000 device definitions): seconds on a busy machine. */
const READY_WITHIN_MS = 60_000;
const STOP_WITHIN_MS = 10_000;

type Request = BridgeRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

/**
 * The real zigbee2mqtt bridge (the npm package, its `index.js`) in a child process, with the fake coordinator of
 * the herdsman suite injected at herdsman's `Adapter.create` (z2m-preload.ts) and the simulated devices behind it,
 * against the tests' MQTT broker. Its data folder (configuration.yaml, herdsman's database) is a temp folder,
 * which is also its working directory: outside any git checkout, so that index.js finds no commit hash to rebuild
 * for. The devices join and are interviewed at the first start; a restart keeps them paired and keeps the
 * attribute values they held. The child may reach loopback only (loopback-only.ts); `refusals` lists what it tried.
 */
export class RealBridge {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'home-arbiter-z2m-'));
  /** Destinations beyond loopback that the bridge tried to reach (and was kept from). */
  readonly refusals: string[] = [];
  private child?: ChildProcess;
  private output = '';
  private readonly waiting = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  private nextId = 1;
  private paired = false;
  private devices: BridgeDevice[];

  constructor(
    private readonly brokerUrl: string,
    devices: readonly BridgeDevice[],
  ) {
    this.devices = [...devices];
  }

  /** What the bridge printed (its console log), for a failing test's message. */
  get log(): string {
    return this.output;
  }

  /**
   * Starts the bridge and resolves once it says it is online on MQTT and, at the first start, every device has
   * joined and been interviewed (`bridge/devices` lists it with `interview_completed`).
   */
  async start(): Promise<void> {
    if (this.child) throw new Error('zigbee2mqtt: already started');
    this.writeConfiguration();
    const watcher = await connectAsync(this.brokerUrl, { protocolVersion: 4, reconnectPeriod: 0 });
    try {
      await watcher.subscribeAsync(`${BASE_TOPIC}/bridge/+`);
      const online = this.until(watcher, 'bridge/state', (payload) => (JSON.parse(payload) as { state?: string }).state === 'online');
      this.spawn();
      await online;
      if (!this.paired) {
        const interviewed = this.until(watcher, 'bridge/devices', (payload) => {
          const listed = JSON.parse(payload) as { ieee_address: string; interview_completed: boolean }[];
          return this.devices.every((d) => listed.some((l) => l.ieee_address === d.ieeeAddr && l.interview_completed));
        });
        for (const device of this.devices) await this.request({ op: 'join', ieeeAddr: device.ieeeAddr });
        await interviewed;
        this.paired = true;
      }
    } catch (err) {
      await this.stop();
      throw new Error(`${err instanceof Error ? err.message : String(err)}\nzigbee2mqtt said:\n${this.output.slice(-4000)}`);
    } finally {
      await watcher.endAsync();
    }
  }

  /**
   * Stops the bridge as its service manager would (SIGTERM: it publishes `bridge/state` offline and closes the
   * herdsman database), or at once with `kill` (SIGKILL: the broker publishes its last will). The devices keep
   * their attribute values for the next start.
   */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (child.exitCode === null && child.signalCode === null) {
      if (signal === 'SIGTERM') await this.remember().catch(() => undefined);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      const kill = setTimeout(() => child.kill('SIGKILL'), STOP_WITHIN_MS);
      await exited;
      clearTimeout(kill);
    }
    this.child = undefined;
  }

  /** Stops the bridge and removes its data folder; a second call does nothing. */
  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** The attribute values the simulated device holds, per cluster. */
  attributes(name: string): Promise<Record<string, Record<string, number>>> {
    return this.request({ op: 'attributes', ieeeAddr: this.device(name).ieeeAddr }) as Promise<Record<string, Record<string, number>>>;
  }

  /** Makes the device answer, stay silent, or refuse every command with a ZCL FAILURE status. */
  async behave(name: string, behaviour: Behaviour): Promise<void> {
    await this.request({ op: 'behave', ieeeAddr: this.device(name).ieeeAddr, behaviour });
  }

  /** Someone at the device: it changes the attributes and reports them. */
  async change(name: string, cluster: string, values: Readonly<Record<string, number>>): Promise<void> {
    await this.request({ op: 'change', ieeeAddr: this.device(name).ieeeAddr, cluster, values });
  }

  /** The cluster commands (lockDoor, upOpen, on ...) the device received, oldest first. */
  commands(name: string): Promise<{ cluster: string; command: string }[]> {
    return this.request({ op: 'commands', ieeeAddr: this.device(name).ieeeAddr }) as Promise<{ cluster: string; command: string }[]>;
  }

  /** How many attribute reads (ZCL foundation `read`) the device received. */
  reads(name: string): Promise<number> {
    return this.request({ op: 'reads', ieeeAddr: this.device(name).ieeeAddr }) as Promise<number>;
  }

  private device(name: string): BridgeDevice {
    const device = this.devices.find((d) => d.name === name);
    if (!device) throw new Error(`the test bridge has no device named "${name}"`);
    return device;
  }

  /** Before a stop: the attribute values each device holds, so that the next start's devices hold them too. */
  private async remember(): Promise<void> {
    const held = await Promise.all(this.devices.map((d) => this.attributes(d.name)));
    this.devices = this.devices.map((d, i) => ({ ...d, attributes: held[i] }));
  }

  private writeConfiguration(): void {
    const configuration = {
      version: 5,
      homeassistant: { enabled: false },
      frontend: { enabled: false },
      mqtt: { base_topic: BASE_TOPIC, server: this.brokerUrl },
      serial: { port: '/dev/fake-coordinator', adapter: 'zstack' },
      availability: { enabled: true },
      ota: { disable_automatic_update_check: true },
      // console only: no log files in the data folder; `info` is the level bridge/logging carries errors at.
      advanced: { log_output: ['console'], log_level: 'info' },
      devices: Object.fromEntries(this.devices.map((d) => [d.ieeeAddr, { friendly_name: d.name }])),
    };
    writeFileSync(join(this.dataDir, 'configuration.yaml'), stringify(configuration));
  }

  private spawn(): void {
    this.output = '';
    const child = fork(require.resolve('zigbee2mqtt/index.js'), [], {
      cwd: this.dataDir,
      execArgv: ['--require', PRELOAD],
      env: {
        ...process.env,
        ZIGBEE2MQTT_DATA: this.dataDir,
        Z2M_ONBOARD_NO_SERVER: '1',
        HOME_ARBITER_Z2M_DEVICES: JSON.stringify(this.devices.map(({ name: _name, ...spec }) => spec)),
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.on('message', (message: BridgeMessage) => {
      if (message.type === 'refused') this.refusals.push(message.what);
      else this.answered(message);
    });
    child.once('exit', (code, signal) => {
      for (const { reject } of this.waiting.values()) reject(new Error(`zigbee2mqtt exited (code ${code}, signal ${signal})`));
      this.waiting.clear();
    });
  }

  private request(request: Request): Promise<unknown> {
    const child = this.child;
    if (!child?.connected) return Promise.reject(new Error(`zigbee2mqtt is not running: cannot ${request.op}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      child.send({ ...request, id });
    });
  }

  private answered(message: Extract<BridgeMessage, { type: 'answer' }>): void {
    const waiting = this.waiting.get(message.id);
    this.waiting.delete(message.id);
    if (message.error !== undefined) waiting?.reject(new Error(`zigbee2mqtt test coordinator: ${message.error}`));
    else waiting?.resolve(message.result);
  }

  /** The first message on `<base>/<topic>` (retained ones included) that `accept` takes; fails if the bridge exits. */
  private until(client: MqttClient, topic: string, accept: (payload: string) => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        clearInterval(watch);
        client.off('message', onMessage);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(() => done(new Error(`zigbee2mqtt: nothing acceptable on ${BASE_TOPIC}/${topic} within ${READY_WITHIN_MS} ms`)), READY_WITHIN_MS);
      // The child is spawned after this starts waiting: it is gone once it was there and has exited.
      let seen = false;
      const watch = setInterval(() => {
        const child = this.child;
        if (child && child.exitCode === null && child.signalCode === null) seen = true;
        else if (seen || child) done(new Error(`zigbee2mqtt exited before ${BASE_TOPIC}/${topic} said so`));
      }, 50);
      const onMessage = (t: string, payload: Buffer) => {
        if (t !== `${BASE_TOPIC}/${topic}`) return;
        let accepted = false;
        try {
          accepted = accept(payload.toString('utf8'));
        } catch {
          // not JSON (yet): wait for the next one
        }
        if (accepted) done();
      };
      client.on('message', onMessage);
    });
  }
}
