import { strict as assert } from 'node:assert';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DecisionLog } from '../../server/decision-log';
import { CHECKPOINT_EVERY } from '../../server/log-chain';
import { verifyDecisionLog } from '../../server/log-verification';
import { keyIdOf, type LogSigner } from '../../server/signing-key';
import { call, TempHome } from './server-fixture';
import { cli } from './server-process';

const DAY = 86_400_000;
const RETENTION = { maxAge: DAY, safetyMaxAge: 10 * DAY };

/** A signer over a fresh Ed25519 key, and its public key. */
function testSigner(): { signer: LogSigner; publicKey: ReturnType<typeof generateKeyPairSync>['publicKey'] } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { signer: { keyId: keyIdOf(publicKey), sign: (text) => sign(null, Buffer.from(text), privateKey).toString('base64') }, publicKey };
}

describe('server/decision-log: the hash-chained decision log', () => {
  let db: Database.Database;
  let log: DecisionLog;

  beforeEach(() => {
    db = new Database(':memory:');
    log = new DecisionLog(db, RETENTION);
    for (let i = 0; i < 10; i++) log.append({ type: 'dispatched', at: i, target: `t${i}`, state: 'on', by: 's' });
    log.flush();
  });

  afterEach(() => db.close());

  it('verifies an untouched log', () => {
    const result = verifyDecisionLog(db);
    assert.deepEqual(result.problems, []);
    assert.equal(result.entries, 10);
    assert.equal(result.lastSeq, 10);
  });

  it('names an entry whose content was edited', () => {
    db.prepare("UPDATE decision_log SET body = replace(body, '\"t4\"', '\"t9\"') WHERE seq = 5").run();
    const { problems } = verifyDecisionLog(db);
    assert.deepEqual(problems.map((p) => p.seq), [5]);
    assert.match(problems[0].problem, /entry 5 \(dispatched\) was edited/);
  });

  it('names an entry whose digest was recomputed to hide an edit: the chain breaks there', () => {
    db.prepare("UPDATE decision_log SET wall = wall + 1, digest = 'f' || substr(digest, 2) WHERE seq = 3").run();
    const { problems } = verifyDecisionLog(db);
    assert.equal(problems[0].seq, 3);
  });

  it('names a removed entry', () => {
    db.prepare('DELETE FROM decision_log WHERE seq = 7').run();
    const { problems } = verifyDecisionLog(db);
    assert.deepEqual(problems, [{ seq: 7, problem: 'entry 7 was removed' }]);
  });

  it('names entries removed in a row', () => {
    db.prepare('DELETE FROM decision_log WHERE seq IN (2, 3, 4)').run();
    assert.deepEqual(verifyDecisionLog(db).problems, [{ seq: 2, problem: 'entries 2..4 were removed' }]);
  });

  it('writes a run of identical events once, then one repeated entry with the count', () => {
    for (let i = 0; i < 5; i++) log.append({ type: 'denied', at: 100 + i, system: 's', target: 't', state: 'x', reason: 'locked' });
    log.append({ type: 'dispatched', at: 200, target: 't', state: 'on', by: 's' });
    log.flush();
    const entries = log.read(10);
    assert.deepEqual(
      entries.map((e) => e.event.type),
      ['denied', 'repeated', 'dispatched'],
    );
    assert.deepEqual({ ...entries[1].event }, { type: 'repeated', of: 11, ofType: 'denied', count: 4, lastAt: 104 });
    assert.deepEqual(verifyDecisionLog(db).problems, []);
  });

  it('prunes ordinary entries by age before safety entries, and still verifies from the anchor', () => {
    const now = Date.now();
    log.append({ type: 'alarm', at: 1, kind: 'flapping', target: 't1' });
    log.append({ type: 'claimed', at: 2, claimant: 'fire', target: 'door', state: 'unlocked', category: 'life', rank: 0, manual: false, expiresAt: null, outcome: 'winning' });
    log.flush();
    // Two days later: past maxAge (1 day), within safetyMaxAge (10 days).
    const { pruned, deleted } = log.applyRetention(now + 2 * 86_400_000);
    assert.equal(pruned, 10);
    assert.equal(deleted, 10, 'the fully pruned head is deleted and anchored');
    assert.deepEqual(log.read(0).map((e) => e.event.type), ['alarm', 'claimed']);
    assert.deepEqual(verifyDecisionLog(db).problems, []);
    log.applyRetention(now + 11 * 86_400_000);
    assert.deepEqual(log.read(0), []);
    assert.deepEqual(verifyDecisionLog(db).problems, []);
  });

  it('names a body pruned before its retention age, and one whose type or time was changed since', () => {
    const later = Date.now() + 2 * DAY;
    log.applyRetention(later);
    assert.deepEqual(verifyDecisionLog(db, { retention: RETENTION, now: later }).problems, []);
    log.append({ type: 'denied', at: 50, system: 's', target: 't', state: 'x', reason: 'locked' });
    log.append({ type: 'dispatched', at: 51, target: 't', state: 'on', by: 's' });
    log.flush();
    db.prepare('UPDATE decision_log SET body = NULL WHERE seq = 11').run();
    db.prepare("UPDATE decision_log SET body = NULL, type = 'claimed', wall = wall - 5 WHERE seq = 12").run();
    const { problems } = verifyDecisionLog(db, { retention: RETENTION, now: later });
    assert.deepEqual(problems.map((p) => p.seq), [11, 12]);
    assert.match(problems[0].problem, /entry 11 \(denied\) lost its body after 2 d, before its retention age of 10 d/);
    assert.match(problems[1].problem, /entry 12 \(claimed\) was edited: its type, time or safety class does not match its digest/);
  });
});

describe('server/decision-log: signed checkpoints', () => {
  it('signs the chain at every 1000th entry and at a checkpoint, and verifies with the public key only', () => {
    const db = new Database(':memory:');
    const { signer, publicKey } = testSigner();
    const log = new DecisionLog(db, RETENTION, signer);
    for (let i = 0; i < CHECKPOINT_EVERY + 10; i++) log.append({ type: 'dispatched', at: i, target: `t${i}`, state: 'on', by: 's' });
    log.checkpoint();
    const seqs = (db.prepare('SELECT seq FROM decision_log_checkpoint ORDER BY seq').all() as { seq: number }[]).map((r) => r.seq);
    assert.deepEqual(seqs, [CHECKPOINT_EVERY, CHECKPOINT_EVERY + 10]);
    const verified = verifyDecisionLog(db, { publicKeys: [publicKey], retention: RETENTION });
    assert.deepEqual(verified.problems, []);
    assert.equal(verified.checkpoints, 2);
    const other = testSigner().publicKey;
    assert.match(verifyDecisionLog(db, { publicKeys: [other] }).problems[0].problem, /does not carry a valid signature of key/);
    db.prepare('DELETE FROM decision_log_checkpoint WHERE seq = ?').run(CHECKPOINT_EVERY);
    assert.deepEqual(verifyDecisionLog(db, { publicKeys: [publicKey] }).problems.map((p) => p.problem), [`the checkpoint at entry ${CHECKPOINT_EVERY} is missing: the entries it signed may have been rewritten`]);
    db.close();
  });

  it('signs the anchor that replaces deleted entries, with how recent they were', () => {
    const db = new Database(':memory:');
    const { signer, publicKey } = testSigner();
    const log = new DecisionLog(db, RETENTION, signer);
    for (let i = 0; i < 5; i++) log.append({ type: 'dispatched', at: i, target: `t${i}`, state: 'on', by: 's' });
    log.append({ type: 'alarm', at: 9, kind: 'flapping', target: 't1' });
    log.checkpoint();
    const later = Date.now() + 2 * DAY;
    assert.deepEqual(log.applyRetention(later), { pruned: 5, deleted: 5 });
    assert.deepEqual(verifyDecisionLog(db, { publicKeys: [publicKey], retention: RETENTION, now: later }).problems, []);
    db.prepare('UPDATE decision_log_anchor SET wall = wall - 1').run();
    assert.match(verifyDecisionLog(db, { publicKeys: [publicKey], now: later }).problems[0].problem, /the anchor at entry 5 .* does not carry a valid signature/);
    db.close();
  });
});

/**
 * Issue 10, item 9: the log of a real `serve` process, stopped cleanly (its last checkpoint signed at stop), then
 * tampered with on disk as someone who can write the store, but not read the signing key, would.
 */
describe('home-arbiter log verify: a tampered store on disk (a real serve process)', () => {
  let home: TempHome;
  let store: string;
  let pristine: Buffer;
  let publicKey: string;
  let exported: string;
  let firstRun: string;

  before(async () => {
    home = await new TempHome().withSecrets();
    store = join(home.dir, 'home.sqlite');
    const server = home.serve();
    const base = await server.url;
    await call(base, 'POST', '/api/systems/comfort-vent/commands', { token: home.tokens.systems['comfort-vent'], body: { target: 'living.window', state: 'open' } });
    await call(base, 'POST', '/api/systems/security/commands', { token: home.tokens.systems.security, body: { target: 'living.window', state: 'closed' } });
    await call(base, 'POST', '/api/systems/comfort-vent/commands', { token: home.tokens.systems['comfort-vent'], body: { target: 'front.lock', state: 'unlocked' } });
    await server.terminate();
    firstRun = server.stderr;
    publicKey = join(home.dir, 'secrets/home.signing.pub.pem');
    exported = join(home.dir, 'checkpoints.jsonl');
    writeFileSync(exported, cli(['log', 'checkpoints', '--config', home.configFile]).stdout);
    pristine = readFileSync(store);
  });

  beforeEach(() => writeFileSync(store, pristine));
  after(() => home.remove());

  const verify = (...extra: string[]) => cli(['log', 'verify', '--config', home.configFile, ...extra]);
  const tamper = (edit: (db: Database.Database) => void) => {
    const db = new Database(store);
    edit(db);
    db.close();
  };
  type Row = { seq: number; wall: number; mono: number; type: string; safety: number; body: string | null; body_hash: string | null; digest: string; hash: string };
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');

  it('verifies the untouched log with its public key and its exported checkpoints', () => {
    assert.match(firstRun, /public key \(copy it elsewhere for `log verify --public-key`\): \S+home\.signing\.pub\.pem/);
    assert.equal(readFileSync(exported, 'utf8').trim().split('\n').length, 1, 'one checkpoint, signed at stop');
    const run = verify('--public-key', publicKey, '--checkpoints', exported);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /decision log intact: \d+ entries/);
    assert.match(run.stdout, /1 signed checkpoints verified, the newest at entry \d+; 1 exported checkpoints found in the chain/);
  });

  it('names an edited entry', () => {
    let seq = 0;
    tamper((db) => {
      seq = (db.prepare("SELECT seq FROM decision_log WHERE type = 'conflict'").get() as { seq: number }).seq;
      // Rewrite history: make comfort ventilation the winner of the conflict.
      db.prepare("UPDATE decision_log SET body = replace(body, '\"winner\":\"security\"', '\"winner\":\"comfort-vent\"') WHERE seq = ?").run(seq);
    });
    const run = verify();
    assert.equal(run.status, 1);
    assert.match(run.stdout, new RegExp(`TAMPERED entry ${seq}: entry ${seq} \\(conflict\\) was edited`));
  });

  it('names a recent safety entry whose body was dropped and whose type and time were changed to look pruned', () => {
    let seq = 0;
    tamper((db) => {
      seq = (db.prepare("SELECT seq FROM decision_log WHERE type = 'denied'").get() as { seq: number }).seq;
      db.prepare("UPDATE decision_log SET body = NULL, type = 'dispatched', safety = 0, wall = wall - 40 * 86400000 WHERE seq = ?").run(seq);
    });
    const run = verify();
    assert.equal(run.status, 1);
    assert.match(run.stdout, new RegExp(`TAMPERED entry ${seq}: entry ${seq} \\(dispatched\\) was edited: its type, time or safety class does not match its digest`));
    writeFileSync(store, pristine);
    tamper((db) => db.prepare("UPDATE decision_log SET body = NULL WHERE type = 'denied'").run());
    assert.match(verify().stdout, new RegExp(`TAMPERED entry ${seq}: entry ${seq} \\(denied\\) lost its body after 0 min, before its retention age of 365 d`));
  });

  it('names the oldest entries deleted behind a rewritten anchor', () => {
    tamper((db) => {
      const last = db.prepare('SELECT seq, hash FROM decision_log WHERE seq = 5').get() as { seq: number; hash: string };
      db.prepare('DELETE FROM decision_log WHERE seq <= 5').run();
      db.prepare('INSERT OR REPLACE INTO decision_log_anchor (id, seq, hash, wall, safety_wall) VALUES (1, ?, ?, 0, 0)').run(last.seq, last.hash);
    });
    assert.equal(verify().status, 0, 'the chain alone cannot tell');
    const run = verify('--public-key', publicKey);
    assert.equal(run.status, 1);
    assert.match(run.stdout, /TAMPERED entry 5: the anchor at entry 5 \(where the chain starts after deleted entries\) is not signed/);
  });

  it('names a chain rewritten from the first entry to the last, hashes and all', () => {
    tamper((db) => {
      const rows = db.prepare('SELECT * FROM decision_log ORDER BY seq').all() as Row[];
      let prev = '0'.repeat(64);
      const update = db.prepare('UPDATE decision_log SET body = @body, body_hash = @body_hash, digest = @digest, hash = @hash WHERE seq = @seq');
      for (const row of rows) {
        const body = row.body!.replace('"winner":"security"', '"winner":"comfort-vent"');
        const bodyHash = sha(body);
        const digest = sha(JSON.stringify([row.seq, row.wall, row.mono, row.type, row.safety, bodyHash]));
        prev = sha(prev + digest);
        update.run({ seq: row.seq, body, body_hash: bodyHash, digest, hash: prev });
      }
    });
    assert.equal(verify().status, 0, 'the chain alone cannot tell');
    const run = verify('--public-key', publicKey);
    assert.equal(run.status, 1);
    assert.match(run.stdout, /TAMPERED entry \d+: the checkpoint at entry \d+ signed another hash than the chain has there: the entries up to it were rewritten/);
  });

  it('names the newest entries cut off, with the checkpoints exported before', () => {
    tamper((db) => {
      const head = (db.prepare('SELECT MAX(seq) AS seq FROM decision_log').get() as { seq: number }).seq;
      db.prepare('DELETE FROM decision_log WHERE seq > ?').run(head - 3);
      db.prepare('DELETE FROM decision_log_checkpoint').run();
    });
    assert.equal(verify('--public-key', publicKey).status, 0, 'the store alone cannot tell');
    const run = verify('--public-key', publicKey, '--checkpoints', exported);
    assert.equal(run.status, 1);
    assert.match(run.stdout, /TAMPERED entry \d+: the exported checkpoint at entry \d+ is beyond the end of the log \(\d+\): the newest entries were removed/);
  });
});
