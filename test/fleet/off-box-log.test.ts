import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { chain, digestOf, sha256, type LogRow } from '../../server/log-chain';
import { NatsCluster, natsUnavailable } from '../cluster/support/nats-cluster';
import { call, HOME_YAML, TempHome, waitFor } from '../server/server-fixture';
import { cli, ServerProcess } from '../server/server-process';

/** Rewrites one entry's body and re-chains every hash after it, as an intruder with the store file could. */
function rewriteAndRechain(file: string, seq: number, edit: (body: string) => string): void {
  const db = new Database(file);
  const rows = db.prepare('SELECT * FROM decision_log WHERE seq >= ? ORDER BY seq').all(seq) as LogRow[];
  let prev = (db.prepare('SELECT hash FROM decision_log WHERE seq = ?').get(seq - 1) as { hash: string }).hash;
  const update = db.prepare('UPDATE decision_log SET body = ?, body_hash = ?, digest = ?, hash = ? WHERE seq = ?');
  for (const r of rows) {
    const body = r.seq === seq ? edit(r.body!) : r.body!;
    const bodyHash = sha256(body);
    const digest = digestOf(r, bodyHash);
    prev = chain(prev, digest);
    update.run(body, bodyHash, digest, prev, r.seq);
  }
  db.close();
}

describe('fleet: the off-box decision log', function () {
  this.timeout(90_000);
  let nats: NatsCluster;
  let home: TempHome;
  let server: ServerProcess | undefined;

  before(function () {
    if (natsUnavailable()) this.skip();
  });

  beforeEach(async () => {
    nats = await NatsCluster.start(1);
    home = await new TempHome(`${HOME_YAML}\nfleet: { servers: ["${nats.urls[0]}"], home: h1 }\n`).withSecrets();
  });

  afterEach(async () => {
    await server?.terminate();
    await nats?.stop();
    home?.remove();
  });

  const commands = async (base: string, from: number, count: number) => {
    for (let i = from; i < from + count; i++) {
      const answer = await call(base, 'POST', '/api/systems/security/commands', { token: home.tokens.systems.security, body: { target: 'hall.light', state: i % 2 ? 'on' : 'off' } });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
    }
  };
  const forwardedAll = (base: string) =>
    waitFor('the off-box log to hold every entry', async () => {
      const s = (await call(base, 'GET', '/api/status')).body;
      return s.fleet.forwarded !== null && s.fleet.forwarded >= s.lastSeq ? s.lastSeq : undefined;
    }, 30_000);

  it('forwards through a NATS outage with nothing lost, and catches a rewritten entry that passes the local check', async () => {
    server = new ServerProcess(['--config', home.configFile, '--port', '0']);
    const base = await server.url;
    await commands(base, 0, 30);
    await forwardedAll(base);

    await nats.kill(0);
    await commands(base, 30, 30); // the home works on while its log cannot leave
    await nats.restart(0);
    const last = await forwardedAll(base);

    const fleet = cli(['fleet', 'status', '--servers', nats.urls[0], '--json']);
    assert.equal(fleet.status, 0, fleet.stderr);
    const [report] = JSON.parse(fleet.stdout);
    assert.deepEqual([report.home, report.node, report.role], ['h1', 'main', 'active']);
    await server.terminate();
    server = undefined;

    const intact = cli(['log', 'verify', '--config', home.configFile, '--against', nats.urls[0], '--json']);
    assert.equal(intact.status, 0, intact.stdout + intact.stderr);
    const result = JSON.parse(intact.stdout);
    process.stdout.write(`      off-box copy: ${result.copied} entries, up to ${result.copiedUpTo} (the home's log had ${last} while running), ${result.checkpoints} signed checkpoints\n`);
    assert.ok(result.copiedUpTo >= last);
    assert.equal(result.copied, result.copiedUpTo, 'every entry from 1 on is in the copy: none lost in the outage');
    assert.ok(result.checkpoints >= 1);

    // A claimed state rewritten, the chain recomputed: the local check cannot tell, the copy can.
    const store = join(home.dir, 'home.sqlite');
    const db = new Database(store, { readonly: true });
    const { seq } = db.prepare("SELECT seq FROM decision_log WHERE type = 'claimed' ORDER BY seq LIMIT 1").get() as { seq: number };
    db.close();
    rewriteAndRechain(store, seq, (body) => body.replace(/"state":"(on|off)"/, '"state":"rewritten"'));
    assert.equal(cli(['log', 'verify', '--config', home.configFile]).status, 0, 'the re-chained log passes the local check');
    const caught = cli(['log', 'verify', '--config', home.configFile, '--against', nats.urls[0]]);
    assert.equal(caught.status, 1, caught.stdout);
    assert.match(caught.stdout, new RegExp(`TAMPERED entry ${seq}: entry ${seq} \\(claimed\\) was rewritten`));
  });
});
