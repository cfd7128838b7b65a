import { strict as assert } from 'node:assert';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { call, TempHome } from './server-fixture';
import { cli } from './server-process';

describe('home-arbiter erase: the erasure function', () => {
  let home: TempHome;

  beforeEach(async () => {
    home = await new TempHome().withSecrets();
    const server = await home.startServer();
    await call(server.url, 'POST', '/api/systems/security/commands', { token: home.tokens.systems.security, body: { target: 'front.lock', state: 'locked' } });
    await server.stop();
  });

  afterEach(() => home.remove());

  it('keeps everything unless the prompt is answered "erase"', () => {
    const run = cli(['erase', '--config', home.configFile], 'no\n');
    assert.equal(run.status, 1);
    assert.match(run.stdout, /not erased/);
    assert.ok(existsSync(join(home.dir, 'home.sqlite')));
  });

  it('overwrites and deletes the store and its journal files with --yes', () => {
    const run = cli(['erase', '--config', home.configFile, '--yes']);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /overwritten and deleted .*home\.sqlite/);
    assert.deepEqual(readdirSync(home.dir).filter((f) => f.startsWith('home.sqlite')), []);
    assert.match(cli(['log', 'verify', '--config', home.configFile]).stderr, /no store at/);
  });

  it('refuses while a server runs on the store', async () => {
    const server = home.serve();
    try {
      await server.url;
      const run = cli(['erase', '--config', home.configFile, '--yes']);
      assert.equal(run.status, 2);
      assert.match(run.stderr, /home\.sqlite is in use by serve \(pid \d+ on .+, since .+\): stop it first\n$/);
      assert.ok(existsSync(join(home.dir, 'home.sqlite')));
    } finally {
      await server.terminate();
    }
  });
});

/** Every file and folder under `dir`, relative, with its permission bits. */
function modes(dir: string): [string, number][] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => [f, statSync(join(dir, f)).mode & 0o777] as [string, number]).sort();
}

/** Issue 10, item 10, against a real `serve` process: what it leaves on disk, and what `erase` takes away. */
describe('home-arbiter serve and erase: files at rest (a real serve process)', () => {
  let home: TempHome;

  beforeEach(() => {
    home = new TempHome();
  });

  afterEach(() => home.remove());

  it('creates every file for its owner only (a rotated key\'s too), and erase, after one question, leaves none of them', async () => {
    const first = home.serve();
    const base = await first.url;
    const tokens = JSON.parse(readFileSync(join(home.dir, 'secrets/home.tokens.json'), 'utf8'));
    await call(base, 'POST', '/api/systems/security/commands', { token: tokens.systems.security, body: { target: 'front.lock', state: 'locked' } });
    await first.terminate();
    const rotated = cli(['log', 'rotate-key', '--config', home.configFile]);
    assert.equal(rotated.status, 0, rotated.stderr);
    const made = modes(home.dir).filter(([f]) => f !== 'home.yaml');
    for (const file of ['home.sqlite', 'secrets/home.json', 'secrets/home.tokens.json', 'secrets/home.signing.pem', 'secrets/home.signing.pub.pem']) {
      assert.ok(made.some(([f]) => f === file), `${file} was made`);
    }
    assert.ok(made.some(([f]) => /^secrets\/home\.signing\.[0-9a-f]{16}\.pub\.pem$/.test(f)), 'the retired public key was kept');
    for (const [file, mode] of made) assert.equal(mode.toString(8), statSync(join(home.dir, file)).isDirectory() ? '700' : '600', file);

    const run = cli(['erase', '--config', home.configFile], 'erase\n');
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.equal(run.stdout.match(/Type "erase" to confirm/g)?.length, 1, 'one question for everything');
    assert.deepEqual(modes(home.dir).map(([f]) => f), ['home.yaml'], 'nothing but the configuration is left');
  });

  it('makes a store that other users can read its owner\'s alone at start, and says so', async () => {
    const first = home.serve();
    await first.url;
    await first.terminate();
    const store = join(home.dir, 'home.sqlite');
    chmodSync(store, 0o644);
    const second = home.serve();
    await second.url;
    await second.terminate();
    assert.equal((statSync(store).mode & 0o777).toString(8), '600');
    assert.match(second.stderr, /home\.sqlite was readable by other users; it is now mode 0600/);
  });
});
