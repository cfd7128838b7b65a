import { mkdtempSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Arbiter, type ArbiterOptions } from '../engine/arbiter';
import { buildCoreConfig } from '../engine/config/arbiter-config';
import { SqliteStore } from '../engine/store/sqlite-store';
import { batchSubject, claimStream, snapshotSubject } from '../cluster/claim-message';
import { ClaimReplicator } from '../cluster/claim-replicator';
import { NatsLink } from '../cluster/nats-link';
import { BundleFollower, BUNDLES_BUCKET, homeBundleKey, type BundleHost } from '../fleet/bundle-follower';
import { BUNDLE_FORMAT, signBundle } from '../fleet/policy-bundle';
import { loadPublicKey, loadSigningKey, publicKeyFileFor } from '../server/signing-key';
import { parseYaml } from '../scenario/load-scenario';
import { serverConfigFrom } from '../server/server-config';
import { ClusterHome, FAILOVER_MS } from '../test/cluster/support/cluster-home';
import { waitFor } from '../test/server/server-fixture';
import { NatsCluster, natsUnavailable } from '../test/cluster/support/nats-cluster';
import { quantile, type BenchOptions, type Row } from './measure';

const SECTION = 'cluster';

/** An engine on its own SQLite store in `dir`; with `acknowledge`, each commit waits for the replicated stream too. */
async function engineOn(dir: string, name: string, acknowledge?: ArbiterOptions['acknowledge']): Promise<Arbiter> {
  const config = buildCoreConfig({ actuators: [{ id: 'zone.setpoint', kind: 'setpoint', range: [0, 1e9], initial: 0 }], systems: [{ id: 'hvac', category: 'comfort' }] });
  const arbiter = new Arbiter({ config, store: new SqliteStore(join(dir, `${name}.sqlite`)), logger: { decision: () => undefined, error: () => undefined }, ...(acknowledge ? { acknowledge } : {}) });
  await arbiter.start();
  return arbiter;
}

/**
 * Sequential commands, one to each engine in turn, so that the shared machine's load falls on both alike: the
 * single server's (SQLite, full sync) and cluster mode's (SQLite, then the R3 stream's ack).
 */
async function acknowledgement(opts: BenchOptions, nats: NatsCluster): Promise<Row[]> {
  const count = opts.quick ? 500 : 3_000;
  const dir = mkdtempSync(join(tmpdir(), 'home-arbiter-bench-cluster-'));
  const link = await NatsLink.open(nats.urls, 'bench');
  await link.stream(claimStream('bench'), [batchSubject('bench'), snapshotSubject('bench')], 3);
  // The lease is taken as held: this measures the acknowledgement path, not leadership.
  const replicator = new ClaimReplicator(link, 'bench', 'bench', 1, () => true, { claims: [], actuators: [], facts: [], quarantined: [], lockedTargets: [], lockedSystems: [], stopped: false, holding: [] });
  const engines = [await engineOn(dir, 'single'), await engineOn(dir, 'cluster', (batch) => replicator.replicate(batch))];
  const latencies: [number[], number[]] = [[], []];
  try {
    for (let i = 1; i <= count; i++) {
      for (const [k, arbiter] of engines.entries()) {
        const t = performance.now();
        await arbiter.command({ system: 'hvac', target: 'zone.setpoint', state: i });
        latencies[k].push(performance.now() - t);
      }
    }
  } finally {
    for (const arbiter of engines) await arbiter.stop();
    replicator.close('bench done');
    await link.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const [local, replicated] = latencies.map((l) => l.sort((a, b) => a - b));
  const p = (l: number[], q: number) => Math.round(quantile(l, q) * 1000) / 1000;
  return [
    { section: SECTION, case: 'single server (SQLite, full sync)', metric: 'ack p50', value: p(local, 0.5), unit: 'ms' },
    { section: SECTION, case: 'single server (SQLite, full sync)', metric: 'ack p99', value: p(local, 0.99), unit: 'ms' },
    { section: SECTION, case: 'cluster mode (SQLite + R3 stream)', metric: 'ack p50', value: p(replicated, 0.5), unit: 'ms', note: `${(quantile(replicated, 0.5) / quantile(local, 0.5)).toFixed(1)}x the single server` },
    { section: SECTION, case: 'cluster mode (SQLite + R3 stream)', metric: 'ack p99', value: p(replicated, 0.99), unit: 'ms', note: `${(quantile(replicated, 0.99) / quantile(local, 0.99)).toFixed(1)}x the single server` },
  ];
}

/**
 * kill -9 of the active serve process, right after it renewed its lease (the worst case), to the lease taken by
 * the standby and to the standby's first dispatch that the light receives (it dispatches every desired state as it
 * takes over). The two nodes take turns: the killed one comes back as the standby before the next kill.
 */
async function failover(opts: BenchOptions): Promise<Row[]> {
  const kills = opts.quick ? 2 : 5;
  const home = await ClusterHome.start();
  const [lease, dispatch]: [number[], number[]] = [[], []];
  try {
    home.serve('a');
    let { epoch } = await home.role('a', 'active');
    let [active, standby] = ['a', 'b'];
    for (let k = 0; k < kills; k++) {
      home.serve(standby);
      // Warm: its server prepared and the claim stream applied (`applied` is null until then).
      await waitFor('a warm standby', async () => ((await home.status(standby))?.warm ? true : undefined), 20_000);
      const { killedAt, leaseTaken } = await home.killAfterRenewal(active);
      const first = await waitFor('the first dispatch of the standby', () => home.firstDispatchAfter(epoch, standby, killedAt), 20_000);
      lease.push((await leaseTaken) - killedAt);
      dispatch.push(first.at - killedAt);
      ({ epoch } = await home.role(standby, 'active'));
      [active, standby] = [standby, active];
    }
  } finally {
    await home.stop();
  }
  const name = `failover ${FAILOVER_MS} ms, 2 serve processes, 3 NATS nodes, kill right after a renewal`;
  const rows = (metric: string, l: number[]): Row[] => {
    const sorted = [...l].sort((a, b) => a - b);
    return [
      { section: SECTION, case: name, metric: `${metric} p50`, value: Math.round(quantile(sorted, 0.5)), unit: 'ms', note: `${kills} kills` },
      { section: SECTION, case: name, metric: `${metric} max`, value: Math.round(sorted[sorted.length - 1]), unit: 'ms', note: `${kills} kills` },
    ];
  };
  return [...rows('kill -9 to lease taken', lease), ...rows('kill -9 to first dispatch', dispatch)];
}

/** Off-box log entries from many homes, each publishing one at a time with its ack (as OffBoxLog does). */
async function fleetThroughput(opts: BenchOptions): Promise<Row[]> {
  const homes = 1_000;
  const nats = await NatsCluster.start(1);
  const links = await Promise.all(Array.from({ length: 10 }, (_, i) => NatsLink.open(nats.urls, `bench homes ${i}`)));
  try {
    await links[0].stream('ARBITER_LOG', ['arbiter.log.>'], 1);
    const until = performance.now() + (opts.quick ? 3_000 : 10_000);
    let events = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: homes }, async (_, h) => {
        const link = links[h % links.length];
        for (let seq = 1; performance.now() < until; seq++) {
          await link.js.publish(`arbiter.log.home${h}.main`, JSON.stringify({ row: { seq, type: 'dispatched', body: '{"type":"dispatched","target":"hall.light","state":"on"}' } }), { msgID: `home${h}.${seq}` });
          events++;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return [{ section: SECTION, case: `${homes} simulated homes, one NATS server`, metric: 'off-box log events', value: Math.round(events / seconds), unit: '/s', note: 'each home publishes one entry at a time and waits for its ack' }];
  } finally {
    for (const l of links) await l.close();
    await nats.stop();
  }
}

const BUNDLE_HOME = `
auth: { secretsFile: secrets.json }
store: { file: bench.sqlite }
actuators:
  - { id: living.window, kind: window, initial: closed, safe: closed }
systems:
  - { id: security, category: property }
facts:
  - { name: mode, initial: away }
`;

/**
 * A policy bundle's way on one home: from the publisher's put to the home's restart on it (the home reads the
 * bucket every second), and the home's own part of it (signature, admission, the configuration rules and the
 * static check). The home is a follower with a host that only records; one NATS server.
 */
async function bundlePath(opts: BenchOptions): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'home-arbiter-bench-bundles-'));
  const nats = await NatsCluster.start(1);
  const link = await NatsLink.open(nats.urls, 'bench bundles');
  const db = new Database(':memory:');
  const { signer } = loadSigningKey(join(dir, 'fleet.pem'));
  const config = serverConfigFrom(parseYaml(BUNDLE_HOME, 'bench'), join(dir, 'home.yaml'));
  let received = 0;
  let applied: ((at: number) => void) | undefined;
  const host: BundleHost = {
    reconfigure: async () => applied?.(performance.now()),
    note: (event) => ((received = event.type === 'bundle' && event.step === 'received' ? performance.now() : received), true),
    decides: () => true,
    missingCredentials: () => [],
  };
  const follower = new BundleFollower({ home: 'bench', publicKey: loadPublicKey(publicKeyFileFor(join(dir, 'fleet.pem'))), probation: 3_600_000 }, config, host, db, 'main', () => undefined);
  const endToEnd: number[] = [];
  const homePart: number[] = [];
  try {
    await follower.start(link, 1);
    const kv = await link.bucket(BUNDLES_BUCKET, 1);
    for (let version = 1; version <= (opts.quick ? 8 : 30); version++) {
      const rule = { name: `night-${version}`, conditions: { all: [{ fact: 'mode', operator: 'equal', value: 'night' }] }, event: { type: 'assert', params: { target: 'living.window', state: 'open', category: 'comfort' } } };
      const signed = signBundle({ format: BUNDLE_FORMAT, version, scope: { home: 'bench' }, issued: Date.now(), content: { policies: [rule] } }, signer);
      const done = new Promise<number>((resolve) => (applied = resolve));
      const put = performance.now();
      await kv.put(homeBundleKey('bench'), JSON.stringify(signed));
      const at = await done;
      endToEnd.push(at - put);
      homePart.push(at - received);
    }
  } finally {
    await follower.stop();
    db.close();
    await link.close();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const p50 = (l: number[]) => Math.round(quantile([...l].sort((a, b) => a - b), 0.5) * 10) / 10;
  const name = 'policy bundle, one home, one NATS server';
  return [
    { section: SECTION, case: name, metric: 'publish to applied p50', value: p50(endToEnd), unit: 'ms', note: 'the home reads the bucket every second' },
    { section: SECTION, case: name, metric: "the home's checks p50", value: p50(homePart), unit: 'ms', note: 'signature, version, configuration rules, static check' },
  ];
}

/** Issue 15's figures: acknowledgement latency with and without cluster mode, failover time, fleet throughput, bundles. */
export async function measureCluster(opts: BenchOptions): Promise<Row[]> {
  const missing = natsUnavailable();
  if (missing) return [{ section: SECTION, case: 'skipped', metric: missing, value: null, unit: '' }];
  const nats = await NatsCluster.start(3);
  let rows: Row[];
  try {
    rows = await acknowledgement(opts, nats);
  } finally {
    await nats.stop();
  }
  process.stderr.write(`bench: cluster: acknowledgement measured\n`);
  rows.push(...(await failover(opts)));
  process.stderr.write(`bench: cluster: failover measured\n`);
  rows.push(...(await fleetThroughput(opts)));
  process.stderr.write(`bench: cluster: fleet throughput measured\n`);
  return [...rows, ...(await bundlePath(opts))];
}
