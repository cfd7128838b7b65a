import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MQTT_BROKER, MqttBroker } from '../../adapters/support/mqtt-broker';
import { stopAll } from '../../adapters/support/stop-all';
import { BridgeEmulator } from '../../adapters/zigbee2mqtt/support/bridge-emulator';
import { call, TempHome, waitFor, type Answer } from '../../server/server-fixture';
import { ServerProcess } from '../../server/server-process';
import { KvWatchInclude } from '@nats-io/kv';
import { LEASE_BUCKET } from '../../../cluster/edge-node';
import { NatsLink } from '../../../cluster/nats-link';
import { NatsCluster } from './nats-cluster';

export const FAILOVER_MS = 3_000;
const RETRY_WITHIN_MS = 20_000;
export const ZONES = ['zone1.setpoint', 'zone2.setpoint', 'zone3.setpoint', 'zone4.setpoint'];

/** MQTT 5 carries the epoch of each dispatch to the bridge; aedes (no mosquitto here) speaks 3.1.1 only. */
const MQTT_VERSION = MQTT_BROKER === 'mosquitto' ? 5 : 4;

/** A `/set` the hall light received: the epoch it carried (MQTT 5), or the node whose client published it (aedes). */
export interface Dispatch {
  readonly at: number;
  readonly epoch?: number;
  readonly node?: string;
}

/**
 * One home served by two `serve` processes (nodes a and b, each with its own store) over a real 3-node NATS
 * JetStream cluster, with the hall light behind a zigbee2mqtt bridge emulator on a real MQTT broker that both
 * nodes share (mosquitto, else aedes: test/adapters/support/mqtt-broker.ts): the place where a dispatch of
 * either node can be seen, with its epoch on mosquitto, with the node that sent it on aedes.
 */
export class ClusterHome {
  readonly processes = new Map<string /* node */, ServerProcess>();
  private constructor(
    readonly nats: NatsCluster,
    readonly mqtt: MqttBroker,
    readonly bridge: BridgeEmulator,
    readonly home: TempHome,
  ) {}

  static async start(): Promise<ClusterHome> {
    const nats = await NatsCluster.start(3);
    const mqtt = new MqttBroker();
    await mqtt.start();
    const bridge = new BridgeEmulator(mqtt.url, 'zigbee2mqtt', MQTT_VERSION).addDevice('hall_light', 'switch', { state: 'OFF' });
    await bridge.start();
    const home = await new TempHome(ClusterHome.yaml('a', nats.urls, mqtt.url)).withSecrets();
    for (const node of ['a', 'b']) writeFileSync(join(home.dir, `${node}.yaml`), ClusterHome.yaml(node, nats.urls, mqtt.url));
    return new ClusterHome(nats, mqtt, bridge, home);
  }

  static yaml(node: string, servers: string[], mqttUrl: string): string {
    return `
auth: { secretsFile: secrets/home.json }
store: { file: ${node}.sqlite }
adapters: { zigbee2mqtt: { url: "${mqttUrl}", clientId: "arbiter-${node}-${process.pid}", timeout: 2s, version: ${MQTT_VERSION} } }
actuators:
  - { id: hall.light, kind: light, initial: "off", manual: false, device: { adapter: zigbee2mqtt, address: hall_light } }
${ZONES.map((id) => `  - { id: ${id}, kind: setpoint, range: [0, 1000000], initial: 0 }`).join('\n')}
systems:
  - { id: security, category: property }
  - { id: comfort-vent, category: comfort }
cluster: { servers: [${servers.map((s) => `"${s}"`).join(', ')}], home: h1, node: ${node}, failover: ${FAILOVER_MS}ms }
`;
  }

  config(node: string): string {
    return join(this.home.dir, `${node}.yaml`);
  }

  serve(node: string): ServerProcess {
    const p = new ServerProcess(['--config', this.config(node), '--port', '0']);
    this.processes.set(node, p);
    return p;
  }

  async status(node: string): Promise<{ role: string; epoch: number; peer: string | null; applied: number | null; warm: boolean } | undefined> {
    const base = await this.processes.get(node)!.url;
    try {
      const answer = await call(base, 'GET', '/api/status');
      return answer.status === 200 ? answer.body.cluster : undefined;
    } catch {
      return undefined;
    }
  }

  /** Waits until the node reports this role; returns its status then. */
  async role(node: string, role: 'active' | 'standby', ms = 20_000): Promise<{ role: string; epoch: number; peer: string | null }> {
    return waitFor(`node ${node} to be ${role}`, async () => {
      const s = await this.status(node);
      return s?.role === role ? s : undefined;
    }, ms);
  }

  async command(node: string, system: string, target: string, state: string | number): Promise<Answer | undefined> {
    const base = await this.processes.get(node)!.url;
    try {
      return await call(base, 'POST', `/api/systems/${system}/commands`, { token: this.home.tokens.systems[system], body: { target, state } });
    } catch {
      return undefined; // connection refused or reset: the process is gone, nothing was acknowledged
    }
  }

  async claims(node: string): Promise<Map<string /* system target */, unknown>> {
    const base = await this.processes.get(node)!.url;
    const answer = await call(base, 'GET', '/api/actuators');
    const claims = new Map<string, unknown>();
    for (const a of answer.body) for (const c of a.claims) claims.set(`${c.claimant} ${a.id}`, c.state);
    return claims;
  }

  /**
   * kill -9 of the active `node` right after its next renewal of the lease is stored: the worst case for the
   * take-over's bound, the standby having just seen the lease renewed. Returns the time of the kill, and the time
   * the lease is taken by another node (seen on a watch of the key, as JetStream stores it).
   */
  async killAfterRenewal(node: string): Promise<{ killedAt: number; killedWall: number; leaseTaken: Promise<number> }> {
    const link = await NatsLink.open(this.nats.urls, 'test: lease renewals');
    try {
      const kv = await link.bucket(LEASE_BUCKET, 3);
      const updates = (await kv.watch({ key: 'h1.lease', include: KvWatchInclude.UpdatesOnly }))[Symbol.asyncIterator]();
      await updates.next();
      const [killedAt, killedWall] = [performance.now(), Date.now()];
      await this.processes.get(node)!.kill9();
      const leaseTaken = (async () => {
        try {
          for (let update = await updates.next(); !update.done; update = await updates.next()) {
            if ((JSON.parse(update.value.string()) as { node: string }).node !== node) return performance.now();
          }
          throw new Error('the watch of the lease ended');
        } finally {
          await link.close();
        }
      })();
      return { killedAt, killedWall, leaseTaken };
    } catch (err) {
      await link.close();
      throw err;
    }
  }

  /** The first dispatch to the hall light of an epoch after `epoch` (or, on aedes, by `node` after `since`). */
  firstDispatchAfter(epoch: number, node: string, since: number): Dispatch | undefined {
    return this.dispatches().find((d) => (d.epoch ?? 0) > epoch || (d.node === node && d.at > since));
  }

  /** The node's decision log, oldest first. */
  async log(node: string): Promise<{ seq: number; wall: number; event: { type: string } }[]> {
    return (await call(await this.processes.get(node)!.url, 'GET', '/api/events?limit=1000')).body;
  }

  /** The hall light's dispatches in order, each with the epoch it carried or the node that sent it. */
  dispatches(): Dispatch[] {
    const published = this.mqtt.published;
    if (!published) return this.bridge.received.filter((r) => r.name === 'hall_light' && r.epoch !== undefined).map(({ at, epoch }) => ({ at: at!, epoch }));
    const node = (clientId: string) => /^arbiter-(\w+)-\d+$/.exec(clientId)?.[1];
    return published.filter((p) => p.topic === 'zigbee2mqtt/hall_light/set').map(({ at, clientId }) => ({ at, node: node(clientId) }));
  }

  async stop(): Promise<void> {
    await stopAll(
      ...[...this.processes.values()].map((p) => async () => {
        if (p.child.signalCode === null && p.child.exitCode === null) p.child.kill('SIGCONT');
        await p.terminate();
      }),
      () => this.bridge.stop(),
      () => this.mqtt.stop(),
      () => this.nats.stop(),
      () => this.home.remove(),
    );
  }
}

/**
 * A bounded load: `count` commands from two systems on four numeric set-points, each (system, target) with
 * rising values, and now and then the hall light; at most `concurrency` in flight. Returns, per (system, target),
 * the highest acknowledged value: a node that lost none holds at least that value (a later command that was in
 * flight may have landed too). With `retried`, a command answered 503 (not acknowledged, or a standby) or not
 * answered at all (the node is between roles) is sent again, as a client honouring `retry-after` does, until it
 * is acknowledged or RETRY_WITHIN_MS has passed.
 */
export async function load(home: ClusterHome, node: () => string, from: number, count: number, acknowledged: Map<string, number>, concurrency = 4, during?: (done: number) => Promise<void> | void, retried?: { count: number }): Promise<number> {
  let next = from;
  let done = 0;
  let acked = 0;
  const worker = async () => {
    while (next < from + count) {
      const i = next++;
      const system = i % 2 ? 'security' : 'comfort-vent';
      const light = i % 10 === 1;
      const target = light ? 'hall.light' : ZONES[i % ZONES.length];
      const state = light ? (i % 20 === 1 ? 'on' : 'off') : i;
      let answer = await home.command(node(), system, target, state);
      for (const deadline = Date.now() + RETRY_WITHIN_MS; retried && (answer === undefined || answer.status === 503) && Date.now() < deadline; ) {
        retried.count++;
        await new Promise((r) => setTimeout(r, 100));
        answer = await home.command(node(), system, target, state);
      }
      if (answer?.status === 200 && !light) {
        const key = `${system} ${target}`;
        acknowledged.set(key, Math.max(acknowledged.get(key) ?? 0, i));
        acked++;
      }
      done++;
      await during?.(done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return acked;
}

/** Acknowledged claims the node does not hold (absent, or an older value than acknowledged). */
export function lostClaims(acknowledged: Map<string, number>, held: Map<string, unknown>): string[] {
  return [...acknowledged].filter(([key, value]) => !(Number(held.get(key)) >= value)).map(([key, value]) => `${key}: acknowledged ${value}, holds ${String(held.get(key))}`);
}
