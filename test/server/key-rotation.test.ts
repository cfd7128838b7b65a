import { strict as assert } from 'node:assert';
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { existsSync, linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DecisionLog } from '../../server/decision-log';
import { chain, checkpointText, digestOf, GENESIS, KEY_ROTATED, rotationText, sha256, type KeyRotation, type LogRow } from '../../server/log-chain';
import { verifyDecisionLog } from '../../server/log-verification';
import { generateSigningKey, keyIdOf, pendingKeyFileFor, publicKeyFileFor, retiredPublicKeyFiles } from '../../server/signing-key';
import { call, TempHome } from './server-fixture';
import { cli } from './server-process';

const DAY = 86_400_000;
const RETENTION = { maxAge: DAY, safetyMaxAge: 10 * DAY };
const keyIdOfPrivate = (key: KeyObject) => keyIdOf(createPublicKey(key));

describe('server/decision-log: a signing key handed over in the chain', () => {
  let db: Database.Database;
  let old: ReturnType<typeof generateSigningKey>;
  let next: ReturnType<typeof generateSigningKey>;
  let log: DecisionLog;

  beforeEach(() => {
    db = new Database(':memory:');
    old = generateSigningKey();
    next = generateSigningKey();
    log = new DecisionLog(db, RETENTION, old.signer);
  });
  afterEach(() => db.close());

  const dispatched = (n: number) => {
    for (let i = 0; i < n; i++) log.append({ type: 'dispatched', at: i, target: `t${i}`, state: 'on', by: 's' });
  };
  const anchorKey = () => (db.prepare('SELECT key_id FROM decision_log_anchor').get() as { key_id: string }).key_id;
  const problems = (keys: { publicKey: string }[], now = Date.now()) => verifyDecisionLog(db, { publicKeys: keys.map((k) => createPublicKey(k.publicKey)), retention: RETENTION, now }).problems;

  it('verifies each part with the key in force there, following the rotation from the oldest key', () => {
    dispatched(5);
    log.checkpoint();
    const seq = log.rotateSigner(next.signer, next.publicKey);
    dispatched(5);
    log.checkpoint();
    const keys = (db.prepare('SELECT seq, key_id FROM decision_log_checkpoint ORDER BY seq').all() as { seq: number; key_id: string }[]).map((c) => [c.seq, c.key_id]);
    assert.deepEqual(keys, [[5, old.signer.keyId], [seq, next.signer.keyId], [seq + 5, next.signer.keyId]]);
    const verified = verifyDecisionLog(db, { publicKeys: [createPublicKey(old.publicKey)] });
    assert.deepEqual(verified.problems, []);
    assert.equal(verified.checkpoints, 3);
    assert.deepEqual(verified.keys, [{ keyId: old.signer.keyId, from: 0 }, { keyId: next.signer.keyId, from: seq }]);
    assert.deepEqual(problems([next, old]), []);
  });

  it('keeps the rotation\'s body while retention prunes around it; deleted with the entries before it, the new key\'s anchor stands in', () => {
    dispatched(2);
    log.append({ type: 'alarm', at: 9, kind: 'flapping', target: 't1' });
    const seq = log.rotateSigner(next.signer, next.publicKey);
    dispatched(3);
    log.checkpoint();
    const later = Date.now() + 2 * DAY;
    // The ordinary bodies are past their age, the alarm's is not: the entries before the alarm go; the rotation,
    // an entry like no other, keeps its body for as long as it stays.
    assert.deepEqual(log.applyRetention(later), { pruned: 5, deleted: 2 });
    assert.notEqual((db.prepare('SELECT body FROM decision_log WHERE seq = ?').get(seq) as { body: string | null }).body, null);
    assert.deepEqual(problems([old], later), []);
    // Past the safety age too, the rotation is deleted with the rest, and the new key alone verifies what is left.
    const muchLater = Date.now() + 20 * DAY;
    log.applyRetention(muchLater);
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM decision_log WHERE type = ?').get(KEY_ROTATED) as { n: number }).n, 0);
    assert.equal(anchorKey(), next.signer.keyId);
    assert.deepEqual(problems([next], muchLater), []);
  });

  it('re-signs the anchor with the new key at the rotation', () => {
    dispatched(3);
    log.append({ type: 'alarm', at: 9, kind: 'flapping', target: 't1' });
    const later = Date.now() + 2 * DAY;
    log.applyRetention(later);
    assert.equal(anchorKey(), old.signer.keyId);
    log.rotateSigner(next.signer, next.publicKey);
    assert.equal(anchorKey(), next.signer.keyId);
    assert.deepEqual(problems([old], later), []);
  });
});

/**
 * The decision log's signing key rotated between two runs of a real `serve`, with `log rotate-key`; then the
 * store is rewritten as someone who can write it and who holds the retired (leaked) private key would, or another
 * key of their own.
 */
describe('home-arbiter log rotate-key: a key rotated between two runs of a real serve', () => {
  let home: TempHome;
  let store: string;
  let keyFile: string;
  let pristine: Buffer;
  /** The retired private key, as copied off the box before the rotation. */
  let leaked: KeyObject;
  let oldId: string;
  let newId: string;
  let rotationSeq: number;
  let retiredPub: string;
  let newPub: string;
  let rotateRun: ReturnType<typeof cli>;
  let secondRun: string;

  const conflict = async (base: string) => {
    await call(base, 'POST', '/api/systems/comfort-vent/commands', { token: home.tokens.systems['comfort-vent'], body: { target: 'living.window', state: 'open' } });
    await call(base, 'POST', '/api/systems/security/commands', { token: home.tokens.systems.security, body: { target: 'living.window', state: 'closed' } });
  };

  before(async () => {
    home = await new TempHome().withSecrets();
    store = join(home.dir, 'home.sqlite');
    keyFile = join(home.dir, 'secrets/home.signing.pem');
    const first = home.serve();
    await conflict(await first.url);
    await first.terminate();
    leaked = createPrivateKey(readFileSync(keyFile));
    oldId = keyIdOfPrivate(leaked);
    rotateRun = cli(['log', 'rotate-key', '--config', home.configFile]);
    assert.equal(rotateRun.status, 0, rotateRun.stdout + rotateRun.stderr);
    const second = home.serve();
    await conflict(await second.url);
    await second.terminate();
    secondRun = second.stderr;
    newId = keyIdOfPrivate(createPrivateKey(readFileSync(keyFile)));
    rotationSeq = (withStore((db) => db.prepare('SELECT seq FROM decision_log WHERE type = ?').get(KEY_ROTATED)) as { seq: number }).seq;
    retiredPub = join(home.dir, `secrets/home.signing.${oldId}.pub.pem`);
    newPub = join(home.dir, 'secrets/home.signing.pub.pem');
    pristine = readFileSync(store);
  });

  beforeEach(() => writeFileSync(store, pristine));
  after(() => home.remove());

  function withStore<T>(use: (db: Database.Database) => T): T {
    const db = new Database(store);
    try {
      return use(db);
    } finally {
      db.close();
    }
  }
  const verify = (...keys: string[]) => cli(['log', 'verify', '--config', home.configFile, ...keys.flatMap((k) => ['--public-key', k])]);

  /**
   * Rewrites the chain from its first entry as someone who can write the store would: `edit` gives each entry's
   * new body (null drops the entry, the later ones renumbered), every hash is recomputed, and each checkpoint
   * (moved to the last entry when entries were dropped) is signed anew by `signerAt` its entry.
   */
  function forge(edit: (row: LogRow, prevHash: string) => string | null, signerAt: (seq: number) => KeyObject): void {
    withStore((db) => {
      const rows = db.prepare('SELECT * FROM decision_log ORDER BY seq').all() as LogRow[];
      const checkpoints = (db.prepare('SELECT seq, wall FROM decision_log_checkpoint ORDER BY seq').all() as { seq: number; wall: number }[]);
      const insert = db.prepare('INSERT INTO decision_log (seq, wall, mono, type, safety, body, body_hash, digest, hash) VALUES (@seq, @wall, @mono, @type, @safety, @body, @body_hash, @digest, @hash)');
      const insertCheckpoint = db.prepare('INSERT OR REPLACE INTO decision_log_checkpoint (seq, wall, hash, key_id, signature) VALUES (?, ?, ?, ?, ?)');
      db.transaction(() => {
        db.prepare('DELETE FROM decision_log').run();
        db.prepare('DELETE FROM decision_log_checkpoint').run();
        const hashes: string[] = [GENESIS];
        for (const row of rows) {
          const seq = hashes.length;
          const body = edit({ ...row, seq }, hashes[seq - 1]);
          if (body === null) continue;
          const bodyHash = sha256(body);
          const digest = digestOf({ ...row, seq }, bodyHash);
          hashes.push(chain(hashes[seq - 1], digest));
          insert.run({ ...row, seq, body, body_hash: bodyHash, digest, hash: hashes[seq] });
        }
        for (const c of checkpoints) {
          const seq = Math.min(c.seq, hashes.length - 1);
          const key = signerAt(seq);
          const signature = sign(null, Buffer.from(checkpointText({ seq, hash: hashes[seq], wall: c.wall })), key).toString('base64');
          insertCheckpoint.run(seq, c.wall, hashes[seq], keyIdOfPrivate(key), signature);
        }
      })();
    });
  }

  it('hands signing over in the log, keeps the retired public key, and the next run signs with the new key', () => {
    assert.match(rotateRun.stdout, new RegExp(`entry ${rotationSeq}: the decision log's signing key ${oldId} handed over to ${newId}`));
    assert.notEqual(oldId, newId);
    assert.equal(keyIdOf(createPublicKey(readFileSync(retiredPub))), oldId);
    assert.equal(keyIdOf(createPublicKey(readFileSync(newPub))), newId);
    assert.equal(existsSync(`${keyFile}.new`) || existsSync(`${keyFile}.retired`), false, 'no key left half-way');
    assert.doesNotMatch(secondRun, /first run: generated the decision log's signing key/);
    const rotation = JSON.parse((withStore((db) => db.prepare('SELECT body FROM decision_log WHERE seq = ?').get(rotationSeq)) as { body: string }).body) as KeyRotation;
    assert.deepEqual([rotation.previousKeyId, rotation.keyId], [oldId, newId]);
    const signers = withStore((db) => db.prepare('SELECT seq, key_id FROM decision_log_checkpoint ORDER BY seq').all()) as { seq: number; key_id: string }[];
    assert.ok(signers.some((c) => c.seq > rotationSeq && c.key_id === newId), 'the second run signs with the new key');
    assert.ok(signers.every((c) => (c.seq < rotationSeq ? c.key_id === oldId : c.key_id === newId)));
  });

  it('verifies the whole history from the retired key alone, or from both keys', () => {
    for (const keys of [[retiredPub], [retiredPub, newPub]]) {
      const run = verify(...keys);
      assert.equal(run.status, 0, run.stdout + run.stderr);
      assert.match(run.stdout, new RegExp(`signed by key ${oldId}, then ${newId} from entry ${rotationSeq}`));
    }
  });

  it('tells a verifier who pins only the new key which key the part before the rotation needs', () => {
    const run = verify(newPub);
    assert.equal(run.status, 1);
    assert.match(run.stdout, new RegExp(`TAMPERED entry ${rotationSeq}: entries up to ${rotationSeq - 1} are signed by key ${oldId}, which was not given`));
  });

  it('names a checkpoint after the rotation signed with the retired, leaked key over a rewritten history', () => {
    forge(
      (row) => row.body!.replace('"winner":"security"', '"winner":"comfort-vent"'),
      () => leaked,
    );
    const run = verify(retiredPub, newPub);
    assert.equal(run.status, 1);
    const signedAfter = withStore((db) => db.prepare('SELECT seq FROM decision_log_checkpoint WHERE seq >= ? ORDER BY seq').all(rotationSeq)) as { seq: number }[];
    assert.ok(signedAfter.length >= 2);
    for (const { seq } of signedAfter) {
      assert.match(run.stdout, new RegExp(`TAMPERED entry ${seq}: the checkpoint at entry ${seq} is signed by key ${oldId}, which the key rotation at entry ${rotationSeq} retired: key ${newId} signs from there on`));
    }
  });

  it('names a removed rotation, the chain re-linked and re-signed with the leaked key, to a verifier who gives the new key', () => {
    forge((row) => (row.type === KEY_ROTATED ? null : row.body!), () => leaked);
    assert.equal(verify(retiredPub).status, 0, 'the retired key alone cannot tell a rotation that never happened');
    const run = verify(retiredPub, newPub);
    assert.equal(run.status, 1);
    assert.match(run.stdout, new RegExp(`TAMPERED entry \\d+: key ${newId} was given, but no key rotation in the log hands over to or from it: a rotation entry was removed`));
  });

  it('names a rotation forged to a key of the attacker\'s, and everything that key signed', () => {
    const attacker = generateKeyPairSync('ed25519');
    const attackerId = keyIdOf(attacker.publicKey);
    const publicKey = attacker.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    forge(
      (row, prevHash) => {
        if (row.type !== KEY_ROTATED) return row.body!;
        const handover = { seq: row.seq, prevHash, previousKeyId: oldId, keyId: attackerId, publicKey };
        return JSON.stringify({ type: KEY_ROTATED, ...handover, signature: sign(null, Buffer.from(rotationText(handover)), attacker.privateKey).toString('base64') });
      },
      (seq) => (seq < rotationSeq ? leaked : attacker.privateKey),
    );
    const run = verify(retiredPub);
    assert.equal(run.status, 1);
    assert.match(run.stdout, new RegExp(`TAMPERED entry ${rotationSeq}: the key rotation at entry ${rotationSeq} to key ${attackerId} does not carry a valid signature of key ${oldId}: it was forged`));
    assert.match(run.stdout, new RegExp(`entries ${rotationSeq}\\.\\.\\d+ are signed by key ${attackerId}, which was not given nor handed over to by a verified rotation`));
  });
});

describe('home-arbiter log rotate-key: refusals that change nothing', () => {
  let home: TempHome;
  let keyFile: string;
  let store: string;

  beforeEach(async () => {
    home = await new TempHome().withSecrets();
    keyFile = join(home.dir, 'secrets/home.signing.pem');
    store = join(home.dir, 'home.sqlite');
    const server = home.serve();
    await server.url;
    await server.terminate();
  });
  afterEach(() => home.remove());

  const rotate = () => cli(['log', 'rotate-key', '--config', home.configFile]);
  const files = () => [keyFile, publicKeyFileFor(keyFile), store].map((f) => (existsSync(f) ? readFileSync(f).toString('base64') : null));

  it('refuses while serve has the store, naming it', async () => {
    const server = home.serve();
    await server.url;
    try {
      const before = readFileSync(keyFile);
      const run = rotate();
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, /^home-arbiter: \S+home\.sqlite is in use by serve \(pid \d+/);
      assert.deepEqual(readFileSync(keyFile), before);
      assert.equal(existsSync(`${keyFile}.new`), false);
    } finally {
      await server.terminate();
    }
    const db = new Database(store, { readonly: true });
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM decision_log WHERE type = ?').get(KEY_ROTATED) as { n: number }).n, 0);
    db.close();
  });

  it('refuses a store without a signing key, naming the file', () => {
    rmSync(keyFile);
    const before = files();
    const run = rotate();
    assert.equal(run.status, 2);
    assert.equal(run.stderr, `home-arbiter: ${keyFile}: no signing key to rotate (serve makes it at its first run with a store on disk)\n`);
    assert.deepEqual(files(), before);
  });

  it('refuses a key that does not sign this store, naming it', () => {
    const made = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' });
    writeFileSync(keyFile, made, { mode: 0o600 });
    const before = files();
    const run = rotate();
    assert.equal(run.status, 2);
    assert.match(run.stderr, new RegExp(`${keyFile} holds key [0-9a-f]{16}, but the decision log's newest checkpoint is signed by key [0-9a-f]{16}: this is not the key that signs this store`));
    assert.deepEqual(files(), before);
  });

  it('finishes a rotation cut short after the store recorded it, with the key it recorded', () => {
    const before = files();
    const run = rotate();
    assert.equal(run.status, 0, run.stderr);
    const newKey = readFileSync(keyFile);
    // The state a crash leaves after the store's transaction: the new key still in `.new`, the old files in place.
    writeFileSync(pendingKeyFileFor(keyFile), newKey, { mode: 0o600 });
    writeFileSync(keyFile, Buffer.from(before[0]!, 'base64'), { mode: 0o600 });
    writeFileSync(publicKeyFileFor(keyFile), Buffer.from(before[1]!, 'base64'), { mode: 0o600 });
    const again = rotate();
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /^an interrupted rotation finished: the decision log's signing key [0-9a-f]{16} handed over to/);
    assert.deepEqual(readFileSync(keyFile), newKey);
    assert.equal(existsSync(pendingKeyFileFor(keyFile)), false);
    const db = new Database(store, { readonly: true });
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM decision_log WHERE type = ?').get(KEY_ROTATED) as { n: number }).n, 1, 'one rotation');
    db.close();
    const verified = cli(['log', 'verify', '--config', home.configFile, '--public-key', publicKeyFileFor(keyFile), '--public-key', retiredPublicKeyFiles(keyFile)[0]]);
    assert.equal(verified.status, 0, verified.stdout);
  });

  it('keeps serve from signing with the retired key while a rotation is cut short, and starts it once finished', async () => {
    const before = files();
    assert.equal(rotate().status, 0);
    const newKey = readFileSync(keyFile);
    // Cut short after the store recorded the rotation, before the swap: the old key is still in the key file.
    writeFileSync(pendingKeyFileFor(keyFile), newKey, { mode: 0o600 });
    writeFileSync(keyFile, Buffer.from(before[0]!, 'base64'), { mode: 0o600 });
    const refused = home.serve();
    assert.equal(await refused.exited(), 2);
    assert.match(refused.stderr, new RegExp(`${keyFile}: a key rotation was cut short \\(${keyFile}\\.new is there\\): run \`home-arbiter log rotate-key\` again to finish it`));
    assert.equal(rotate().status, 0);
    const server = home.serve();
    await server.url;
    await server.terminate();
    const verified = cli(['log', 'verify', '--config', home.configFile, '--public-key', retiredPublicKeyFiles(keyFile)[0]]);
    assert.equal(verified.status, 0, verified.stdout);
  });

  it('finishes a rotation cut short at the swap: the key file never missing, the retired key erased', () => {
    const before = files();
    assert.equal(rotate().status, 0);
    const newKey = readFileSync(keyFile);
    // Cut short between the second name of the old key and the rename over it.
    writeFileSync(pendingKeyFileFor(keyFile), newKey, { mode: 0o600 });
    writeFileSync(keyFile, Buffer.from(before[0]!, 'base64'), { mode: 0o600 });
    linkSync(keyFile, `${keyFile}.retired`);
    let again = rotate();
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(readFileSync(keyFile), newKey);
    assert.equal(existsSync(`${keyFile}.retired`), false);

    // Cut short after the rename, before the old key was erased: only the erasure is left, no second rotation.
    writeFileSync(`${keyFile}.retired`, Buffer.from(before[0]!, 'base64'), { mode: 0o600 });
    again = rotate();
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /^an interrupted rotation finished: /);
    assert.equal(existsSync(`${keyFile}.retired`), false);
    assert.deepEqual(readFileSync(keyFile), newKey);
    const db = new Database(store, { readonly: true });
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM decision_log WHERE type = ?').get(KEY_ROTATED) as { n: number }).n, 1, 'one rotation');
    db.close();
  });

  it('names a public key file that is not there or not a key', () => {
    const missing = join(home.dir, 'nowhere.pub.pem');
    let run = cli(['log', 'verify', '--config', home.configFile, '--public-key', missing]);
    assert.equal(run.status, 2);
    assert.equal(run.stderr, `home-arbiter: ${missing}: no such public key file\n`);
    run = cli(['log', 'verify', '--config', home.configFile, '--public-key', home.configFile]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, new RegExp(`^home-arbiter: ${home.configFile}: not a public key in PEM`));
  });
});
