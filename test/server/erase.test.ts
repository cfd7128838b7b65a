import { strict as assert } from 'node:assert';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { call, TempHome } from './server-fixture';
import { cli, ServerProcess } from './server-process';

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
    const server = new ServerProcess(['--config', home.configFile, '--port', '0']);
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
