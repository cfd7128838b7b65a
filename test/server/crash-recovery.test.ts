import { strict as assert } from 'node:assert';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { moduleDigest } from '../../server/plugins';
import { call, TempHome } from './server-fixture';
import { cli, ServerProcess } from './server-process';

describe('server: recovery after kill -9', () => {
  let home: TempHome;
  const processes: ServerProcess[] = [];

  beforeEach(async () => {
    home = await new TempHome().withSecrets();
  });

  afterEach(async () => {
    for (const p of processes.splice(0)) await p.terminate();
    home.remove();
  });

  const serve = () => {
    const p = new ServerProcess(['--config', home.configFile, '--port', '0']);
    processes.push(p);
    return p;
  };

  it('restarts on the same store with every acknowledged claim, and writes a fault record', async () => {
    const first = serve();
    const base = await first.url;
    const plan: [string, string, string, string?][] = [];
    for (let i = 0; i < 40; i++) {
      plan.push(['security', 'front.lock', i % 2 ? 'locked' : 'unlocked']);
      plan.push(['comfort-vent', 'living.window', i % 2 ? 'open' : 'closed', '2h']);
      plan.push(['security', 'hall.light', i % 3 ? 'on' : 'off']);
      if (i === 39) plan.push(['security', 'living.window', 'closed', '1d']);
    }
    // Sent concurrently, so that several share a group commit; each answer is an acknowledgement.
    const answers = await Promise.all(
      plan.map(([system, target, state, ttl]) => call(base, 'POST', `/api/systems/${system}/commands`, { token: home.tokens.systems[system], body: { target, state, ...(ttl ? { ttl } : {}) } })),
    );
    const acknowledged = new Map<string, string>();
    plan.forEach(([system, target, state], i) => {
      assert.equal(answers[i].status, 200, JSON.stringify(answers[i].body));
      acknowledged.set(`${system} ${target}`, state);
    });
    const before = await call(base, 'GET', '/api/actuators');
    await first.kill9();

    const second = serve();
    const again = await second.url;
    const after = await call(again, 'GET', '/api/actuators');
    const claims = new Map<string, string>();
    for (const a of after.body) for (const c of a.claims) claims.set(`${c.claimant} ${a.id}`, c.state);
    assert.deepEqual(new Map([...claims].sort()), new Map([...acknowledged].sort()));
    assert.deepEqual(
      after.body.map((a: { id: string; owner: string; desired: string }) => [a.id, a.owner, a.desired]),
      before.body.map((a: { id: string; owner: string; desired: string }) => [a.id, a.owner, a.desired]),
    );
    assert.match(second.stderr, /did not stop cleanly; fault record #1 written/);
    const status = await call(again, 'GET', '/api/status');
    assert.equal(status.body.recovered, true);
    await second.terminate();

    const faults = cli(['faults', '--config', home.configFile, '--json']);
    assert.equal(faults.status, 0, faults.stderr);
    const [crash] = JSON.parse(faults.stdout);
    assert.equal(crash.kind, 'crash');
    assert.equal(crash.snapshot.claims.length, acknowledged.size);
    const verify = cli(['log', 'verify', '--config', home.configFile]);
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
  });

  it('stops cleanly on SIGTERM: no fault record on the next start', async () => {
    const first = serve();
    await first.url;
    await first.terminate();
    assert.equal(first.child.exitCode, 0, first.stderr);
    const second = serve();
    const base = await second.url;
    assert.equal((await call(base, 'GET', '/api/status')).body.recovered, false);
    await second.terminate();
    const faults = cli(['faults', '--config', home.configFile]);
    assert.match(faults.stdout, /no fault records/);
  });

  it('writes a fault record with the claims when an uncaught exception ends the process', async () => {
    // The bug strikes once the test says so (a file appears), not after a delay a loaded machine may outlast.
    const plugin = join(home.dir, 'buggy.js');
    const trigger = join(home.dir, 'strike');
    writeFileSync(plugin, `exports.start = () => { setInterval(() => { if (require('fs').existsSync(${JSON.stringify(trigger)})) throw new Error('plugin bug'); }, 20); };\n`);
    appendFileSync(home.configFile, `plugins:\n  - { module: buggy.js, sha256: ${moduleDigest(plugin)}, system: security }\n`);
    const p = serve();
    const base = await p.url;
    await call(base, 'POST', '/api/systems/security/commands', { token: home.tokens.systems.security, body: { target: 'front.lock', state: 'locked' } });
    writeFileSync(trigger, '');
    assert.equal(await p.exited(), 70);
    assert.match(p.stderr, /fatal: Error: plugin bug/);
    const [record] = JSON.parse(cli(['faults', '--config', home.configFile, '--json']).stdout);
    assert.equal(record.kind, 'exception');
    assert.match(record.reason, /plugin bug/);
    assert.deepEqual(record.snapshot.claims.map((c: { claimant: string; target: string }) => `${c.claimant} ${c.target}`), ['security front.lock']);
  });
});
