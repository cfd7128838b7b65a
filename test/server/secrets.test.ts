import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateToken, hashSecret, hashWeakness, loadSecrets, secretWeakness, verifySecret } from '../../server/secrets';

describe('server/secrets: hashed per-credential secrets', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'home-arbiter-secrets-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('generates tokens that pass its own strength check and differ each time', () => {
    const a = generateToken();
    assert.equal(secretWeakness(a), undefined);
    assert.notEqual(a, generateToken());
  });

  it('calls short or low-variety secrets weak', () => {
    assert.match(secretWeakness('hunter2')!, /7 characters long/);
    assert.match(secretWeakness('a'.repeat(40))!, /estimated \d+ bits, below 128/);
  });

  it('stores scrypt hashes that verify the secret and nothing else', async () => {
    const hash = await hashSecret('correct horse battery staple 1234');
    assert.match(hash, /^scrypt\$16384\$8\$1\$/);
    assert.equal(hashWeakness(hash), undefined);
    assert.equal(await verifySecret('correct horse battery staple 1234', hash), true);
    assert.equal(await verifySecret('correct horse battery staple 1235', hash), false);
    assert.match(hashWeakness(hash.replace('$16384$', '$1024$'))!, /N=1024 is below 16384/);
  });

  it('names each missing, weak or clear-text credential', async () => {
    const file = join(dir, 'secrets.json');
    writeFileSync(
      file,
      JSON.stringify({ operator: { hash: await hashSecret(generateToken()) }, systems: { security: { token: 'password123' }, heating: { token: generateToken() } } }),
      { mode: 0o600 },
    );
    const { hashes, problems } = await loadSecrets(file, ['security', 'heating', 'comfort-vent']);
    assert.deepEqual(
      problems.map((p) => [p.credential, p.kind]),
      [['system:security', 'weak'], ['system:heating', 'clear-text'], ['system:comfort-vent', 'missing']],
    );
    assert.deepEqual([...hashes.keys()].sort(), ['operator', 'system:heating']);
  });

  it('flags a secrets file other users can read', async () => {
    const file = join(dir, 'secrets.json');
    writeFileSync(file, JSON.stringify({ operator: { hash: await hashSecret(generateToken()) } }), { mode: 0o644 });
    assert.equal(statSync(file).mode & 0o777, 0o644);
    const { problems } = await loadSecrets(file, []);
    assert.deepEqual(problems.map((p) => p.kind), ['mode']);
  });
});
