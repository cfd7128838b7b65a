import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { SmallDisk } from '../support/small-disk';
import { call, HOME_YAML, homePerTest, TempHome, waitFor } from './server-fixture';

/**
 * The store's disk taken away under a running `serve` (a USB stick pulled out, a network share gone): the files
 * the server has open stay usable, but its folder no longer resolves. The server's trend sampler reads that folder
 * on a timer; it must say so and go on, not end the process with an uncaught exception.
 */
describe('server: the store disk gone while it runs', function () {
  this.timeout(60_000);
  let disk: SmallDisk | undefined;

  beforeEach(function () {
    disk = SmallDisk.forTest(this, 4096);
    mkdirSync(join(disk.dir, 'store'));
  });
  const served = homePerTest(() =>
    new TempHome(HOME_YAML.replace('store: { file: home.sqlite }', `store: { file: ${disk!.dir}/store/home.sqlite }\ntrends: { every: 1s }`)).withSecrets(),
  );
  afterEach(() => {
    disk?.unmount();
    disk = undefined;
  });

  it('says the store folder cannot be read, as a store diagnostic, and keeps arbitrating', async () => {
    const { tokens } = served.home;
    const p = served.serve();
    const base = await p.url;
    const lock = () => call(base, 'POST', '/api/systems/security/commands', { token: tokens.systems.security, body: { target: 'front.lock', state: 'locked' } });
    assert.equal((await lock()).status, 200);

    // Detached: the mount point stays (empty) in /tmp, the store's folder below it is gone; open files still work.
    const umount = spawnSync('umount', ['-l', disk!.dir], { encoding: 'utf8' });
    assert.equal(umount.status, 0, umount.stderr);

    const diagnostic = await waitFor('the store diagnostic', async () => {
      const events = (await call(base, 'GET', '/api/events?since=0&limit=10000', { token: tokens.operator })).body as { event: { type: string; results?: { subject: string; ok: boolean; message: string }[] } }[];
      return events.flatMap((e) => (e.event.type === 'diagnostics' ? e.event.results! : [])).find((r) => r.subject === 'store' && !r.ok && /cannot read the file system/.test(r.message));
    }, 10_000);
    assert.match(diagnostic.message, /^cannot read the file system of the store .*\/store\/home\.sqlite: ENOENT/);
    assert.match(p.stderr, /trends: cannot read the file system of the store/);

    // Several samples later, the process is still there and still decides.
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(p.child.exitCode, null, `the server is alive:\n${p.stderr}`);
    const actuator = (await call(base, 'GET', '/api/actuators/front.lock')).body;
    assert.equal(actuator.owner, 'security');
    assert.equal(p.stderr.match(/trends: cannot read/g)?.length, 1, 'said once, not at every sample');
  });
});
