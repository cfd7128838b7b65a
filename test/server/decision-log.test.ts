import { strict as assert } from 'node:assert';
import Database from 'better-sqlite3';
import { DecisionLog, verifyDecisionLog } from '../../server/decision-log';
import { call, TempHome } from './server-fixture';
import { cli } from './server-process';

const RETENTION = { maxAge: 86_400_000, safetyMaxAge: 10 * 86_400_000, maxEntries: 1000 };

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

  it('keeps at most maxEntries bodies, dropping ordinary ones first', () => {
    const small = new DecisionLog(db, { ...RETENTION, maxEntries: 3 });
    small.append({ type: 'denied', at: 50, system: 's', target: 't', state: 'x', reason: 'locked' });
    small.flush();
    small.applyRetention();
    assert.deepEqual(small.read(0).map((e) => e.seq), [9, 10, 11]);
    assert.deepEqual(verifyDecisionLog(db).problems, []);
  });
});

describe('home-arbiter log verify: a tampered store on disk', () => {
  let home: TempHome;

  beforeEach(async () => {
    home = await new TempHome().withSecrets();
    const server = await home.startServer();
    await call(server.url, 'POST', '/api/systems/comfort-vent/commands', { token: home.tokens.systems['comfort-vent'], body: { target: 'living.window', state: 'open' } });
    await call(server.url, 'POST', '/api/systems/security/commands', { token: home.tokens.systems.security, body: { target: 'living.window', state: 'closed' } });
    await server.stop();
  });

  afterEach(() => home.remove());

  it('exits 0 on the untouched log and 1 naming the edited entry', () => {
    const clean = cli(['log', 'verify', '--config', home.configFile]);
    assert.equal(clean.status, 0, clean.stdout + clean.stderr);
    assert.match(clean.stdout, /decision log intact: \d+ entries/);

    const db = new Database(`${home.dir}/home.sqlite`);
    const conflict = db.prepare("SELECT seq FROM decision_log WHERE type = 'conflict'").get() as { seq: number };
    // Rewrite history: make comfort ventilation the winner of the conflict.
    db.prepare("UPDATE decision_log SET body = replace(body, '\"winner\":\"security\"', '\"winner\":\"comfort-vent\"') WHERE seq = ?").run(conflict.seq);
    db.close();
    const tampered = cli(['log', 'verify', '--config', home.configFile]);
    assert.equal(tampered.status, 1);
    assert.match(tampered.stdout, new RegExp(`TAMPERED entry ${conflict.seq}: entry ${conflict.seq} \\(conflict\\) was edited`));
  });
});
