import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { stringify } from 'yaml';
import { NatsLink } from '../../cluster/nats-link';
import { BundleFollower, BUNDLES_BUCKET, homeBundleKey, type BundleHost } from '../../fleet/bundle-follower';
import { canaryBucket } from '../../fleet/canary';
import { BUNDLE_FORMAT, signBundle } from '../../fleet/policy-bundle';
import { loadPublicKey, loadSigningKey } from '../../server/signing-key';
import { loadServerConfig } from '../../server/server-config';
import { NatsCluster, natsUnavailable } from '../cluster/support/nats-cluster';
import { call, TempHome, waitFor } from '../server/server-fixture';
import { cli, ServerProcess } from '../server/server-process';

/** Two valves that rules can make chase each other (a policy loop needs actuators with defaults). */
const homeYaml = (nats: string, home: string, probation: string) => `
auth: { secretsFile: secrets/home.json }
store: { file: home.sqlite }
actuators:
  - { id: living.window, kind: window, initial: closed, safe: closed, device: { adapter: virtual, address: sim/w, options: { latency: 5ms } } }
  - { id: vent, kind: valve, initial: closed, default: closed }
  - { id: fan, kind: switch, initial: "off", default: "off" }
systems:
  - { id: comfort-vent, category: comfort, targets: ["kind:window"] }
  - { id: security, category: property, targets: ["kind:window"] }
facts:
  - { name: mode, initial: away }
fleet: { servers: ["${nats}"], home: ${home}, group: g1, publicKey: keys/fleet.pub.pem, probation: ${probation} }
`;

const assertRule = (name: string, fact: string, value: unknown, target: string, state: string, category: string, rank?: number) => ({
  name,
  conditions: { all: [{ fact, operator: 'equal', value }] },
  event: { type: 'assert', params: { target, state, category, ...(rank ? { rank } : {}) } },
});
const FACTS = [{ name: 'mode', initial: 'away' }];
/** Fresh air at night: comfort, below security. */
const GOOD = { facts: FACTS, policies: [assertRule('night-air', 'mode', 'night', 'living.window', 'open', 'comfort')] };
/** Airing as property rank 5: it beats security's every "closed" on the window, a persistent conflict on property. */
const ALARMING = { facts: FACTS, policies: [assertRule('airing', 'mode', 'away', 'living.window', 'open', 'property', 5)] };
const UNKNOWN_TARGET = { policies: [assertRule('garage', 'mode', 'night', 'garage.door', 'closed', 'property')] };
/** Each rule's claim changes the actuator fact the other reads; the defaults bring them back: a loop. */
const LOOP = {
  facts: FACTS,
  policies: [
    { name: 'vent-follows-fan', conditions: { all: [{ fact: 'actuator:fan', operator: 'equal', value: 'off' }, { fact: 'mode', operator: 'equal', value: 'home' }] }, event: { type: 'assert', params: { target: 'vent', state: 'open', category: 'comfort' } } },
    assertRule('fan-against-vent', 'actuator:vent', 'open', 'fan', 'on', 'comfort'),
  ],
};

interface Last {
  version: number | null;
  step: string;
  reason: string | null;
}

describe('fleet: signed policy bundles with rollback', function () {
  this.timeout(120_000);
  let nats: NatsCluster;
  let home: TempHome;
  let server: ServerProcess | undefined;
  let base: string;
  const keyFile = () => join(home.dir, 'keys', 'fleet.pem');

  before(async function () {
    if (natsUnavailable()) this.skip();
    nats = await NatsCluster.start(1);
  });

  after(async () => {
    await nats?.stop();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && server) process.stdout.write(`      stderr of serve:\n${server.stderr}\n`);
    await server?.terminate();
    server = undefined;
    home?.remove();
  });

  async function serve(id: string, probation: string): Promise<void> {
    home = new TempHome(homeYaml(nats.urls[0], id, probation));
    const key = cli(['fleet', 'key', '--key', keyFile()]);
    assert.equal(key.status, 0, key.stderr);
    await home.withSecrets();
    server = new ServerProcess(['--config', home.configFile, '--port', '0']);
    base = await server.url;
  }

  /** Publishes through the CLI as an operator would; extra arguments after the bundle's. */
  function publish(content: object, version: number, ...args: string[]): void {
    const file = join(home.dir, `bundle-${version}-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, stringify(content));
    const run = cli(['fleet', 'publish', file, '--servers', nats.urls[0], '--key', keyFile(), '--version', String(version), ...args]);
    assert.equal(run.status, 0, run.stderr);
  }

  const fleetStatus = async () => (await call(base, 'GET', '/api/status')).body.fleet.bundle as { version: number | null; last: Last | null };
  /** Waits for a bundle of this version to reach one of these steps; returns the status then. */
  const reached = (version: number, ...steps: string[]) =>
    waitFor(`bundle ${version} to be ${steps.join(' or ')}`, async () => {
      const s = await fleetStatus().catch(() => undefined); // the home restarts on a bundle: a request may meet that
      if (!s) return undefined;
      return s.last?.version === version && steps.includes(s.last.step) ? s : undefined;
    }, 30_000);
  const bundleEvents = async () =>
    (await call(base, 'GET', '/api/events?since=0&limit=10000', { token: home.tokens.operator })).body
      .map((e: { event: { type: string; step: string; version: number; reason?: string } }) => e.event)
      .filter((e: { type: string }) => e.type === 'bundle');

  it('refuses a bundle with a bad signature, a lower version, an invalid policy or a loop, each with its reason', async () => {
    await serve('h1', '2s');
    publish(GOOD, 2, '--home', 'h1');
    await reached(2, 'applied');
    const kept = await reached(2, 'kept');
    assert.equal(kept.version, 2);
    assert.match(kept.last!.reason!, /^0 safety alarms in 2s of probation, at most 0 allowed$/);
    const claims = async () => ((await call(base, 'GET', '/api/actuators/living.window')).body.claims as { claimant: string }[]).map((c) => c.claimant);

    // Signed by a key the home did not pin.
    const other = join(home.dir, 'keys', 'other.pem');
    assert.equal(cli(['fleet', 'key', '--key', other]).status, 0);
    const file = join(home.dir, 'good.yaml');
    writeFileSync(file, stringify({ ...GOOD, policies: [assertRule('night-air', 'mode', 'night', 'living.window', 'open', 'property')] }));
    assert.equal(cli(['fleet', 'publish', file, '--servers', nats.urls[0], '--key', other, '--version', '3', '--home', 'h1']).status, 0);
    assert.match((await reached(3, 'refused')).last!.reason!, /^bad signature: not signed by the pinned fleet key/);

    // Signed by the fleet key, then changed on the way (the version raised): the signature no longer holds.
    const link = await NatsLink.open(nats.urls, 'test tamper');
    try {
      const signed = signBundle({ format: BUNDLE_FORMAT, version: 4, scope: { home: 'h1' }, issued: Date.now(), content: GOOD }, loadSigningKey(keyFile()).signer);
      const tampered = { ...signed, payload: signed.payload.replace('"version":4', '"version":40') };
      await (await link.bucket(BUNDLES_BUCKET, 1)).put(homeBundleKey('h1'), JSON.stringify(tampered));
    } finally {
      await link.close();
    }
    assert.match((await reached(40, 'refused')).last!.reason!, /^bad signature/);

    publish(GOOD, 1, '--home', 'h1');
    assert.match((await reached(1, 'refused')).last!.reason!, /^version 1 is not above 2, the highest this home has taken \(no downgrade except a signed rollback bundle\)$/);

    publish(UNKNOWN_TARGET, 5, '--home', 'h1');
    assert.match((await reached(5, 'refused')).last!.reason!, /^invalid configuration: .*home\.yaml with bundle 5: policies\[0\]\.event\.params\.target: selector "garage\.door" matches no actuator$/);

    publish(LOOP, 6, '--home', 'h1');
    assert.match((await reached(6, 'refused')).last!.reason!, /^the static check found 1 error: loop: /);

    // Through all that, bundle 2 stayed in force, and every step is in the decision log.
    assert.equal((await fleetStatus()).version, 2);
    assert.deepEqual(await claims(), []);
    const steps = (await bundleEvents()).map((e: { version: number; step: string }) => `${e.version} ${e.step}`);
    assert.deepEqual(steps, ['2 received', '2 applied', '2 kept', '3 received', '3 refused', '40 received', '40 refused', '1 received', '1 refused', '5 received', '5 refused', '6 received', '6 refused']);
  });

  it('rolls back by itself a bundle whose probation raises safety alarms, and says why', async () => {
    await serve('h2', '60s');
    const command = (state: string) => call(base, 'POST', '/api/systems/security/commands', { token: home.tokens.systems.security, body: { target: 'living.window', state } });
    publish(ALARMING, 1, '--home', 'h2');
    await reached(1, 'applied');
    // Security closes the window three times; the bundle's rule wins each time: a persistent conflict on property.
    for (let i = 0; i < 3; i++) assert.equal((await command('closed')).body.outcome, 'deferred');
    const rolledBack = await reached(1, 'rolled-back');
    assert.equal(rolledBack.version, null, 'the configuration file is in force again');
    assert.match(rolledBack.last!.reason!, /^1 safety alarm within \d.* of probation \(persistent-conflict on living\.window\); the previous configuration's rate allows 0 in 1m$/);
    assert.equal((await command('closed')).body.outcome, 'accepted', "the bundle's rule is gone");

    const fleet = await waitFor('the fleet view to show the rollback', () => {
      const run = cli(['fleet', 'status', '--servers', nats.urls[0], '--json']);
      const report = (JSON.parse(run.stdout) as { home: string; bundle: number | null; bundleStep: Last | null }[]).find((r) => r.home === 'h2');
      return report?.bundleStep?.step === 'rolled-back' ? report : undefined;
    }, 10_000);
    assert.equal(fleet.bundle, null);
    const steps = (await bundleEvents()).map((e: { version: number; step: string }) => `${e.version} ${e.step}`);
    assert.deepEqual(steps, ['1 received', '1 applied', '1 rolled-back']);

    // The same content signed anew as version 1 is not taken again; a signed rollback needs the version it names.
    publish(ALARMING, 1, '--home', 'h2');
    assert.match((await reached(1, 'refused')).last!.reason!, /^version 1 is not above 1/);
    publish(GOOD, 2, '--home', 'h2');
    await reached(2, 'applied');
    publish({}, 1, '--home', 'h2', '--rollback-from', '3');
    assert.match((await reached(1, 'refused')).last!.reason!, /^a rollback from version 3, but version 2 is in force$/);
    publish({}, 1, '--home', 'h2', '--rollback-from', '2');
    const back = await reached(1, 'applied');
    assert.equal(back.version, 1);
    assert.match(back.last!.reason!, /^signed rollback from version 2; on probation until /);
  });

  it('a canary reaches only its share of 100 simulated homes; widened, it reaches more and none twice', async () => {
    home = new TempHome(homeYaml(nats.urls[0], 'street', '1h'));
    const publicFile = join(home.dir, 'keys', 'fleet.pub.pem');
    assert.equal(cli(['fleet', 'key', '--key', keyFile()]).status, 0);
    const config = loadServerConfig(home.configFile);
    const publicKey = loadPublicKey(publicFile);
    const link = await NatsLink.open(nats.urls, 'test: 100 simulated homes');
    // Each home: the follower under test, on its own ledger, with a host that records what it was asked to run.
    const homes = Array.from({ length: 100 }, (_, i) => {
      const id = `home-${String(i).padStart(3, '0')}`;
      const applied: number[] = [];
      const steps: string[] = [];
      const note = (event: Parameters<BundleHost['note']>[0]) => (event.type === 'bundle' && steps.push(event.step), true);
      const host: BundleHost = {
        reconfigure: async (_config, why) => {
          if (why.type === 'bundle') applied.push(why.version);
          note(why);
        },
        note,
        decides: () => true,
        missingCredentials: () => [],
      };
      const db = new Database(':memory:');
      return { id, applied, steps, db, follower: new BundleFollower({ home: id, group: 'street-9', publicKey, probation: 3_600_000 }, config, host, db, 'main', () => undefined) };
    });
    /** Waits until every home has handled one more bundle (received it, then took a decision on it). */
    const everyHomeDecided = async (handled: number) => {
      await waitFor(`every home to decide on bundle ${handled}`, () => (homes.every((h) => h.steps.filter((s) => s !== 'received').length >= handled) ? true : undefined), 60_000);
    };
    try {
      await Promise.all(homes.map((h) => h.follower.start(link, 1)));
      publish(GOOD, 1, '--group', 'street-9', '--canary', '20%');
      await everyHomeDecided(1);
      const at20 = homes.filter((h) => h.applied.length > 0).map((h) => h.id);
      publish(GOOD, 1, '--group', 'street-9', '--canary', '50%');
      await everyHomeDecided(2);
      const at50 = homes.filter((h) => h.applied.length > 0).map((h) => h.id);
      process.stdout.write(`      canary 20 %: ${at20.length} of 100 homes took bundle 1; widened to 50 %: ${at50.length}\n`);

      assert.deepEqual(at20, homes.filter((h) => canaryBucket(h.id) < 20).map((h) => h.id), 'exactly the homes of the first 20 buckets');
      assert.deepEqual(at50, homes.filter((h) => canaryBucket(h.id) < 50).map((h) => h.id));
      // The buckets spread the homes evenly enough that a share is about its percentage (binomial, 3 sigma).
      assert.ok(at20.length >= 8 && at20.length <= 32, `${at20.length} homes at 20 %`);
      assert.ok(at50.length >= 35 && at50.length <= 65, `${at50.length} homes at 50 %`);
      assert.ok(homes.every((h) => h.applied.length <= 1), 'no home applied the bundle twice');
      const left = homes.find((h) => !at50.includes(h.id))!;
      assert.deepEqual(left.steps, ['received', 'skipped', 'received', 'skipped']);
      assert.match(left.follower.status.last!.reason!, new RegExp(`^not in the canary share: this home's bucket is ${canaryBucket(left.id)}, the bundle is for buckets below 50$`));
      const early = homes.find((h) => at20.includes(h.id))!;
      assert.deepEqual(early.steps, ['received', 'applied', 'received', 'skipped']);
      assert.equal(early.follower.status.last!.reason, 'version 1 is in force already');
    } finally {
      for (const h of homes) {
        await h.follower.stop();
        h.db.close();
      }
      await link.close();
    }
  });
});
