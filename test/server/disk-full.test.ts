import { strict as assert } from 'node:assert';
import { SmallDisk } from '../support/small-disk';
import { call, HOME_YAML, homePerTest, TempHome, waitFor, type Answer } from './server-fixture';
import { ServerProcess } from './server-process';

/** Issue 11 item 4, against a real `serve` whose store is on a tmpfs of 2 MiB that the test fills and frees. */
describe('server: a full disk (issue 11)', function () {
  this.timeout(120_000);
  let disk: SmallDisk | undefined;

  beforeEach(function () {
    disk = SmallDisk.forTest(this, 2048);
  });
  const served = homePerTest(() => new TempHome(HOME_YAML.replace('store: { file: home.sqlite }', `store: { file: ${disk!.dir}/home.sqlite }`)).withSecrets());
  afterEach(() => {
    disk?.unmount();
    disk = undefined;
  });

  it('refuses commands with 503 store-unavailable, keeps the life-safety path dispatching, writes again once space returns, loses nothing acknowledged', async () => {
    const { tokens } = served.home;
    const serve = served.serve;
    const first = serve();
    const base = await first.url;
    const acknowledged = new Map<string, string>();
    const command = async (system: string, target: string, state: string): Promise<Answer> => {
      const answer = await call(base, 'POST', `/api/systems/${system}/commands`, { token: tokens.systems[system], body: { target, state } });
      if (answer.status === 200) acknowledged.set(`${system} ${target}`, state);
      return answer;
    };
    for (const [system, target, state] of [['security', 'front.lock', 'locked'], ['comfort-vent', 'living.window', 'closed'], ['security', 'hall.light', 'on']]) {
      assert.equal((await command(system, target, state)).status, 200);
    }

    disk!.fill();
    // Commits that still fit where SQLite had room are durable and acknowledged; the first that does not is refused.
    let refusal: Answer | undefined;
    for (let i = 0; i < 500 && !refusal; i++) {
      const answer = await command('comfort-vent', 'living.window', i % 2 ? 'closed' : 'open');
      if (answer.status !== 200) refusal = answer;
    }
    assert.equal(refusal?.status, 503, JSON.stringify(refusal?.body));
    assert.match(refusal!.body.error, /^store-unavailable: (command|commit): the store cannot write \(.*full.*\); nothing was changed/);
    assert.equal(refusal!.headers.get('retry-after'), '5');
    const status = (await call(base, 'GET', '/api/status')).body;
    assert.equal(status.store.writable, false);
    const events = (await call(base, 'GET', '/api/events?since=0&limit=10000')).body as { event: { type: string; kind?: string } }[];
    assert.ok(events.some((e) => e.event.type === 'alarm' && e.event.kind === 'store'), 'alarm {kind: store}');

    // What is in force keeps being arbitrated and dispatched: smoke unlocks the front door at life priority.
    assert.equal((await call(base, 'PUT', '/api/facts/smoke', { token: tokens.operator, body: { value: true } })).status, 200);
    await waitFor('the life-safety dispatch to reach the lock', async () => {
      const lock = (await call(base, 'GET', '/api/actuators/front.lock')).body;
      return lock.owner === 'policy:fire-evacuation' && lock.state === 'unlocked' ? true : undefined;
    });
    assert.equal(first.child.exitCode, null, `the server is alive:\n${first.stderr}`);

    disk!.free();
    await waitFor('a command to be acknowledged again', async () => ((await command('comfort-vent', 'living.window', 'open')).status === 200 ? true : undefined), 20_000);
    assert.equal((await call(base, 'GET', '/api/status')).body.store.writable, true);
    await first.kill9();

    const second = serve();
    const again = await second.url;
    const stored = new Map<string, string>();
    for (const a of (await call(again, 'GET', '/api/actuators')).body) for (const c of a.claims) stored.set(`${c.claimant} ${a.id}`, c.state);
    const lost = [...acknowledged].filter(([key, state]) => stored.get(key) !== state);
    console.log(`      ${acknowledged.size} acknowledged claims, ${lost.length} lost`);
    assert.deepEqual(lost, []);
  });

  it('ends with exit 70 and says why there is no fault record when an uncaught exception meets a full disk', async () => {
    const p = served.adopt(new ServerProcess(['--config', served.home.configFile, '--port', '0'], { bugOnSignal: true }));
    const base = await p.url;
    disk!.fill();
    // Until SQLite has no room left even where it had some: the first refused command.
    await waitFor('a command refused for the full disk', async () => {
      const answer = await call(base, 'POST', '/api/systems/security/commands', { token: served.home.tokens.systems.security, body: { target: 'hall.light', state: Math.random() < 0.5 ? 'on' : 'off' } });
      return answer.status === 503 ? true : undefined;
    }, 30_000);
    p.child.kill('SIGUSR2');
    assert.equal(await p.exited(), 70, p.stderr);
    assert.match(p.stderr, /fatal: Error: server bug/);
    assert.match(p.stderr, /no fault record: .*full/);
  });
});
