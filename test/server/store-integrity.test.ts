import { strict as assert } from 'node:assert';
import { rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { call, HOME_YAML, homePerTest, TempHome, waitFor } from './server-fixture';
import { cli, ServerProcess } from './server-process';

const DAY = 86_400_000;

/** Issue 11: one writer per store, no silent loss at start-up, backups that bring every acknowledged claim back. */
describe('server: the store at start-up (issue 11)', function () {
  // Several real serve processes per test, on a shared machine where one may take seconds to start.
  this.timeout(120_000);
  const served = homePerTest();

  const store = () => join(served.home.dir, 'home.sqlite');
  const serve = served.serve;
  const command = (base: string, system: string, target: string, state: string, ttl?: string) =>
    call(base, 'POST', `/api/systems/${system}/commands`, { token: served.home.tokens.systems[system], body: { target, state, ...(ttl ? { ttl } : {}) } });
  const claimsOf = async (base: string) => {
    const claims = new Map<string, string>();
    for (const a of (await call(base, 'GET', '/api/actuators')).body) for (const c of a.claims) claims.set(`${c.claimant} ${a.id}`, c.state);
    return claims;
  };
  /** Acknowledged claims on a running server: each answer 200 is one. */
  const acknowledge = async (base: string) => {
    const plan: [string, string, string][] = [
      ['security', 'front.lock', 'locked'],
      ['comfort-vent', 'living.window', 'open'],
      ['security', 'hall.light', 'on'],
    ];
    for (const [system, target, state] of plan) assert.equal((await command(base, system, target, state)).status, 200);
    return new Map(plan.map(([system, target, state]) => [`${system} ${target}`, state]));
  };
  /** A run that stopped cleanly (so that the store file itself, not only its WAL, has the identity), and a backup. */
  const firstRun = async () => {
    const p = serve();
    await p.url;
    await p.terminate();
    assert.equal(cli(['backup', '--config', served.home.configFile]).status, 0);
  };
  const refused = async (p: ServerProcess) => {
    assert.equal(await p.exited(), 2, p.stderr);
    return p.stderr;
  };
  const faultKinds = () => JSON.parse(cli(['faults', '--config', served.home.configFile, '--json']).stdout).map((f: { kind: string }) => f.kind);

  it('refuses a second serve on a held store with one line naming the holder, and the first keeps running', async () => {
    const first = serve();
    const base = await first.url;
    const acknowledged = await acknowledge(base);
    const second = serve('--port', '0');
    assert.equal(await second.exited(), 2);
    assert.match(second.stderr, /^home-arbiter: .*home\.sqlite is in use by serve \(pid \d+ on .+, since .+\): stop it first\n$/);
    assert.equal(second.stderr.trim().split('\n').length, 1, 'one line');
    assert.equal(first.child.exitCode, null, 'the first server is alive');
    assert.equal((await command(base, 'security', 'front.lock', 'unlocked')).status, 200, 'and answers commands');
    acknowledged.set('security front.lock', 'unlocked');
    assert.deepEqual(await claimsOf(base), acknowledged);
    await first.terminate();
    assert.equal(first.child.exitCode, 0, first.stderr);
    assert.deepEqual(faultKinds(), [], 'the refused second server wrote no false crash record about the first');
  });

  it('refuses a zero-length store naming the file, the last commit and the fix; --accept-loss starts with a fault record', async () => {
    await firstRun();
    truncateSync(store(), 0);
    const stderr = await refused(serve());
    assert.match(stderr, /refusing to start: .*home\.sqlite is empty \(0 bytes\), but its sidecar .*home\.sqlite\.state last saw store [0-9a-f-]+ at commit \d+/);
    assert.match(stderr, /the last known commit is \d+ of store/);
    assert.match(stderr, /newest good backup: .*home\.sqlite\.backups.*-c\d+\.sqlite/);
    assert.match(stderr, /fix: restore it \(home-arbiter restore --from .*\), or start with --accept-loss/);

    const accepted = serve('--accept-loss');
    await accepted.url;
    // The refusal wrote its fault record into the file: it is no longer 0 bytes, and still holds no store. (Said
    // on stderr before listening, which stdout announces: the two pipes may arrive in either order.)
    const said = /store: .*home\.sqlite has no store in it, but its sidecar .*\(accepted with --accept-loss\); fault record #\d+ written/;
    await waitFor('the accepted loss on stderr', () => (said.test(accepted.stderr) ? true : undefined));
    await accepted.terminate();
    assert.deepEqual(faultKinds(), ['store-loss', 'store-loss'], 'the refusal and the acceptance, newest first');
  });

  it('refuses a store whose claims table was dropped', async () => {
    const first = serve();
    await acknowledge(await first.url);
    await first.terminate();
    const db = new Database(store());
    db.exec('DROP TABLE claims');
    db.close();
    assert.match(await refused(serve()), /refusing to start: .*home\.sqlite has lost its claims table/);
    const accepted = serve('--accept-loss');
    assert.deepEqual(await claimsOf(await accepted.url), new Map(), 'what the store still holds: the claims are gone, and that was said');
    await accepted.terminate();
    assert.equal(faultKinds()[0], 'store-loss');
  });

  it('refuses a store whose -wal file was deleted after kill -9', async () => {
    await firstRun();
    const p = serve();
    const base = await p.url;
    // A reader in the middle of a read (as a long backup would be) keeps the commits after it in the WAL: the
    // checkpoint thread may not copy them into the store file, so deleting the WAL surely loses them.
    const reader = new Database(store(), { readonly: true });
    reader.exec('BEGIN');
    reader.prepare('SELECT COUNT(*) FROM claims').get();
    await acknowledge(base);
    await p.kill9();
    reader.close();
    rmSync(`${store()}-wal`);
    const stderr = await refused(serve());
    assert.match(stderr, /refusing to start: .*home\.sqlite is at commit (\d+), but its sidecar .* at commit (\d+): \d+ commits are missing \(an older copy put back, or its -wal file deleted\)/);
    const accepted = serve('--accept-loss');
    await accepted.url;
    await accepted.terminate();
    assert.deepEqual(faultKinds().filter((kind: string) => kind === 'store-loss').length, 2, 'the refusal and the acceptance');
  });

  it('takes an online backup while serving; restored, it brings back every acknowledged claim', async () => {
    const p = serve();
    const base = await p.url;
    const acknowledged = await acknowledge(base);
    const backup = cli(['backup', '--config', served.home.configFile]);
    assert.equal(backup.status, 0, backup.stderr);
    const file = /to (\S+\.sqlite)$/m.exec(backup.stdout)![1];
    await p.kill9();
    truncateSync(store(), 0);
    rmSync(`${store()}-wal`, { force: true });
    assert.match(await refused(serve()), new RegExp(`newest good backup: ${file.replace(/[.]/g, '\\.')}`));

    const restore = cli(['restore', '--config', served.home.configFile, '--from', file]);
    assert.equal(restore.status, 0, restore.stderr);
    assert.match(restore.stdout, /restored .*home\.sqlite: store [0-9a-f-]+ at commit \d+/);
    const again = serve();
    assert.deepEqual(await claimsOf(await again.url), acknowledged);
    await again.terminate();
    assert.ok(faultKinds().includes('restore'));
  });

  it('refuses restore and erase while a server holds the store', async () => {
    const p = serve();
    await p.url;
    for (const args of [['restore', '--from', store()], ['erase', '--yes']]) {
      const run = cli([...args, '--config', served.home.configFile]);
      assert.equal(run.status, 2, args[0]);
      assert.match(run.stderr, /is in use by serve \(pid \d+/);
    }
    assert.equal(p.child.exitCode, null);
  });

  it('measures leases and staleness from the high-water mark when the clock is a day behind at restart', async () => {
    served.home = await new TempHome(HOME_YAML.replace('facts:\n', 'facts:\n  - { name: rain, maxAge: 5s, whenStale: true }\n')).withSecrets();
    const p = serve();
    const base = await p.url;
    assert.equal((await command(base, 'security', 'hall.light', 'on', '5s')).status, 200);
    assert.equal((await call(base, 'PUT', '/api/facts/rain', { token: served.home.tokens.operator, body: { value: false } })).status, 200);
    await p.kill9();

    const behind = served.adopt(new ServerProcess(['--config', served.home.configFile, '--port', '0'], { clockShift: -DAY }));
    const again = await behind.url;
    const status = await call(again, 'GET', '/api/status');
    const clock = status.body.diagnostics.find((d: { subject: string }) => d.subject === 'clock');
    assert.equal(clock.ok, false);
    assert.match(clock.message, /^clock-behind: the wall clock \(.+\) is (1d|23h)\S* behind the store's high-water mark/);
    assert.match(clock.message, /time (synchronisation unknown|synchronised|NOT synchronised)/, 'says what it knows of time synchronisation');
    const events = (await call(again, 'GET', '/api/events?since=0&limit=10000')).body as { event: { type: string; kind?: string } }[];
    assert.ok(events.some((e) => e.event.type === 'alarm' && e.event.kind === 'clock-behind'), 'an alarm');
    // The 5 s lease runs out within seconds, not after a day; the rain sensor silent for 5 s goes stale.
    await waitFor('the lease to expire', async () => ((await claimsOf(again)).has('security hall.light') ? undefined : true), 15_000);
    await waitFor('the rain fact to go stale', async () => ((await call(again, 'GET', '/api/status')).body.facts.find((f: { name: string }) => f.name === 'rain')?.stale ? true : undefined), 15_000);
  });
});
