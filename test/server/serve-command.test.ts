import { strict as assert } from 'node:assert';
import { randomBytes, scryptSync } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { call, homePerTest, TempHome, waitFor } from './server-fixture';

/** A genuine scrypt hash of `token` with the given cost, in the secrets file's format. */
function scryptHash(token: string, N: number, r: number, p: number): string {
  const salt = randomBytes(16);
  return ['scrypt', N, r, p, salt.toString('base64'), scryptSync(token, salt, 32, { N, r, p, maxmem: 64 * 1024 * 1024 }).toString('base64')].join('$');
}

describe('home-arbiter serve: start-up checks', () => {
  const served = homePerTest(() => new TempHome());

  const serve = served.serve;

  it('generates strong secrets on the first run into files of mode 0600 and says where', async () => {
    const p = serve();
    const base = await p.url;
    const secretsFile = join(served.home.dir, 'secrets/home.json');
    const tokensFile = join(served.home.dir, 'secrets/home.tokens.json');
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
    await served.home.withSecrets();
    const file = join(served.home.dir, 'secrets/home.json');
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
    const yaml = readFileSync(served.home.configFile, 'utf8');
    assert.match(yaml, /name: smoke/, 'the home has the smoke fact that drives the fire rules');
    writeFileSync(served.home.configFile, yaml.replace(/- \{ name: smoke,[^}]*\}/, '- { name: smoke, initial: false, writers: [comfort-vent] }'));
    const p = serve();
    await assert.rejects(p.url, /exited \(2\)/);
    assert.match(p.stderr, /facts\[0\]\.writers\[0\]: system "comfort-vent" has category comfort, below life/);
  });

  it('rejects an invalid configuration naming the field', async () => {
    writeFileSync(served.home.configFile, readFileSync(served.home.configFile, 'utf8').replace('kind: lock', 'kind: lock, colour: red'));
    const p = serve();
    await assert.rejects(p.url, /exited \(2\)/);
    assert.match(p.stderr, /home\.yaml: actuators\[1\]: unknown field "colour"/);
  });
  // Issue 10, item 7: what doctor knew and serve ignored.
  it('refuses to listen on a public address without TLS, from --host or server.host', async () => {
    const flag = serve('--host', '0.0.0.0');
    await assert.rejects(flag.url, /exited \(2\)/);
    assert.match(flag.stderr, /--host: refusing to listen on 0\.0\.0\.0 without TLS.*--insecure-dev for development/);
    writeFileSync(served.home.configFile, `server: { host: "::" }\n${readFileSync(served.home.configFile, 'utf8')}`);
    const config = serve();
    await assert.rejects(config.url, /exited \(2\)/);
    assert.match(config.stderr, /home\.yaml: server\.host: refusing to listen on :: without TLS/);
  });

  it('refuses scrypt hashes that are too cheap or that scrypt cannot check, naming each credential', async () => {
    await served.home.withSecrets();
    const file = join(served.home.dir, 'secrets/home.json');
    const secrets = JSON.parse(readFileSync(file, 'utf8'));
    secrets.systems.security.hash = scryptHash(served.home.tokens.systems.security, 16384, 1, 1);
    secrets.systems['comfort-vent'].hash = ['scrypt', 16385, 8, 1, randomBytes(16).toString('base64'), randomBytes(32).toString('base64')].join('$');
    writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
    const p = serve();
    await assert.rejects(p.url, /exited \(2\)/);
    assert.match(p.stderr, /system:security: its stored hash scrypt block size r=1 is below 8/);
    assert.match(p.stderr, /system:comfort-vent: its stored hash scrypt cost N=16385 is not a power of two/);
  });

  it('refuses a target selector that matches no actuator, naming the field', async () => {
    writeFileSync(served.home.configFile, readFileSync(served.home.configFile, 'utf8').replace('targets: ["kind:window"]', 'targets: ["kind:windw"]'));
    const p = serve();
    await assert.rejects(p.url, /exited \(2\)/);
    assert.match(p.stderr, /home\.yaml: systems\[0\]\.targets\[0\]: selector "kind:windw" matches no actuator/);
  });
});
