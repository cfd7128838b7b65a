import { strict as assert } from 'node:assert';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { call, TempHome, waitFor } from './server-fixture';
import { ServerProcess } from './server-process';

describe('home-arbiter serve: start-up checks', () => {
  let home: TempHome;
  const processes: ServerProcess[] = [];

  beforeEach(() => {
    home = new TempHome();
  });

  afterEach(async () => {
    for (const p of processes.splice(0)) await p.terminate();
    home.remove();
  });

  const serve = (...extra: string[]) => {
    const p = new ServerProcess(['--config', home.configFile, '--port', '0', ...extra]);
    processes.push(p);
    return p;
  };

  it('generates strong secrets on the first run into files of mode 0600 and says where', async () => {
    const p = serve();
    const base = await p.url;
    const secretsFile = join(home.dir, 'secrets/home.json');
    const tokensFile = join(home.dir, 'secrets/home.tokens.json');
    assert.match(p.stderr, new RegExp(`hashes \\(read by the server\\): ${secretsFile}`));
    assert.match(p.stderr, new RegExp(`tokens \\(give each system its own, then delete this file\\): ${tokensFile}`));
    assert.equal(statSync(secretsFile).mode & 0o777, 0o600);
    assert.equal(statSync(tokensFile).mode & 0o777, 0o600);
    const tokens = JSON.parse(readFileSync(tokensFile, 'utf8'));
    assert.doesNotMatch(readFileSync(secretsFile, 'utf8'), new RegExp(tokens.systems.security), 'the server file holds hashes only');
    const answer = await call(base, 'POST', '/api/systems/security/commands', { token: tokens.systems.security, body: { target: 'front.lock', state: 'locked' } });
    assert.deepEqual(answer.body, { outcome: 'accepted' });
  });

  it('prints the count of the static check\'s findings once it is done', async () => {
    const p = serve('--insecure-dev');
    await p.url;
    await waitFor('the check line', () => /check: 0 errors, \d+ warnings, \d+ info in .*home\.yaml \(GET \/api\/check lists them\)/.exec(p.stderr) ?? undefined, 15_000);
  });

  it('refuses to start with a missing or weak secret and names which', async () => {
    await home.withSecrets();
    const file = join(home.dir, 'secrets/home.json');
    const secrets = JSON.parse(readFileSync(file, 'utf8'));
    delete secrets.systems['comfort-vent'];
    secrets.systems.security = { token: 'letmein' };
    writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
    const p = serve();
    await assert.rejects(p.url, /exited \(2\)/);
    assert.match(p.stderr, /refusing to start with missing or weak secrets/);
    assert.match(p.stderr, /system:comfort-vent: no secret in/);
    assert.match(p.stderr, /system:security: its secret is 7 characters long/);
  });

  it('starts without secrets under --insecure-dev, saying so', async () => {
    const p = serve('--insecure-dev');
    const base = await p.url;
    assert.match(p.stderr, /--insecure-dev: no authentication/);
    const answer = await call(base, 'POST', '/api/systems/security/commands', { body: { target: 'front.lock', state: 'locked' } });
    assert.equal(answer.status, 200);
    assert.equal((await call(base, 'GET', '/api/status')).body.insecure, true);
  });

  it('refuses a fact writer that could reach a life rule through the fact (SPEC.md §6)', async () => {
    const yaml = readFileSync(home.configFile, 'utf8');
    assert.match(yaml, /name: smoke/, 'the home has the smoke fact that drives the fire rules');
    writeFileSync(home.configFile, yaml.replace(/- \{ name: smoke,[^}]*\}/, '- { name: smoke, initial: false, writers: [comfort-vent] }'));
    const p = serve();
    await assert.rejects(p.url, /exited \(2\)/);
    assert.match(p.stderr, /facts\[0\]\.writers\[0\]: system "comfort-vent" has category comfort, below life/);
  });

  it('rejects an invalid configuration naming the field', async () => {
    writeFileSync(home.configFile, readFileSync(home.configFile, 'utf8').replace('kind: lock', 'kind: lock, colour: red'));
    const p = serve();
    await assert.rejects(p.url, /exited \(2\)/);
    assert.match(p.stderr, /home\.yaml: actuators\[1\]: unknown field "colour"/);
  });
});
