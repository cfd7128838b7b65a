import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Claim } from '../../../engine/core/claim';
import { SqliteStore } from '../../../engine/store/sqlite-store';

const claim = (claimant: string, target: string, state: string | number, seq: number): Claim => ({
  claimant, target, state, category: 'comfort', rank: 0, manual: false, since: seq * 1000, expiresAt: seq % 2 ? null : seq * 1000 + 60_000, seq,
});
const empty = { claimsPut: [], claimsDeleted: [], actuators: [], facts: [] };

describe('SqliteStore', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sqlite-store-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the last value of every row across journal folds and a reopen', () => {
    const file = join(dir, 'store.sqlite');
    const store = new SqliteStore(file, { compactEvery: 3 });
    store.write({ ...empty, claimsPut: [claim('vent', 'w', 'open', 1), claim('security', 'w', 'closed', 2)] });
    store.write({ ...empty, actuators: [{ id: 'w', state: 'closed', desired: 'closed', winner: 'security', available: true, lastChangeAt: 2000 }] });
    store.write({ ...empty, claimsDeleted: [['w', 'security']], facts: [{ name: 'rain', value: undefined, updatedAt: 5, stale: true }] });
    store.write({
      ...empty,
      claimsPut: [claim('vent', 'w', 'closed', 4), claim('climate', 'sp', 21.5, 5)],
      meta: { quarantined: ['media'], lockedTargets: ['w'], lockedSystems: [], stopped: true, holding: ['rain-close'] },
    });
    assert.equal((store.db.prepare('SELECT COUNT(*) AS n FROM journal').get() as { n: number }).n, 1, 'three batches were folded, one is journalled');
    store.close();

    const reopened = new SqliteStore(file);
    const snapshot = reopened.load();
    reopened.close();
    assert.deepEqual(
      [...snapshot.claims].sort((a, b) => a.seq - b.seq),
      [claim('vent', 'w', 'closed', 4), claim('climate', 'sp', 21.5, 5)],
    );
    assert.deepEqual(snapshot.actuators, [{ id: 'w', state: 'closed', desired: 'closed', winner: 'security', available: true, lastChangeAt: 2000 }]);
    assert.deepEqual(snapshot.facts, [{ name: 'rain', value: undefined, updatedAt: 5, stale: true }]);
    assert.deepEqual([snapshot.quarantined, snapshot.lockedTargets, snapshot.stopped, snapshot.holding], [['media'], ['w'], true, ['rain-close']]);
  });

  it('folds in slices while commits go on, and a crash in the middle of a fold loses nothing', () => {
    const file = join(dir, 'store.sqlite');
    // 40 commits of one claim each are frozen; a slice writes 18 rows, so a fold spans three later commits, and
    // the 299th write leaves one half done.
    const store = new SqliteStore(file, { compactEvery: 40 });
    const last = new Map<string, Claim>();
    for (let i = 1; i <= 299; i++) {
      const c = claim(`system-${i % 7}`, `actuator-${i % 50}`, i % 2 ? 'on' : 'off', i);
      last.set(`${c.target}/${c.claimant}`, c);
      store.write({ ...empty, claimsPut: [c] });
    }
    const journal = (store.db.prepare('SELECT COUNT(*) AS n FROM journal').get() as { n: number }).n;
    assert.ok(journal < 299, `the journal is truncated as slices complete (${journal} rows left)`);
    // No close(): what the tables and the journal hold together must be every last value.
    const reopened = new SqliteStore(file);
    const byKey = new Map(reopened.load().claims.map((c) => [`${c.target}/${c.claimant}`, c]));
    reopened.close();
    store.db.close();
    assert.deepEqual(byKey, last);
  });

  it('reads journal rows written before the compact encoding (one object per batch)', () => {
    const file = join(dir, 'store.sqlite');
    const store = new SqliteStore(file);
    store.db.prepare('INSERT INTO journal (batch) VALUES (?)').run(JSON.stringify({ ...empty, claimsPut: [claim('security', 'front.lock', 'locked', 1)] }));
    store.write({ ...empty, claimsPut: [claim('vent', 'w', 'open', 2)] });
    store.db.close();
    const reopened = new SqliteStore(file);
    assert.deepEqual([...reopened.load().claims].sort((a, b) => a.seq - b.seq), [claim('security', 'front.lock', 'locked', 1), claim('vent', 'w', 'open', 2)]);
    reopened.close();
  });

  it('loads what a process wrote before it died without closing the store', () => {
    const file = join(dir, 'store.sqlite');
    const crashed = new SqliteStore(file);
    crashed.write({ ...empty, claimsPut: [claim('security', 'front.lock', 'locked', 1)] });
    // No close(): the journal row is all there is, as after kill -9.
    const recovered = new SqliteStore(file);
    assert.deepEqual(recovered.load().claims, [claim('security', 'front.lock', 'locked', 1)]);
    recovered.close();
    crashed.db.close();
  });
});
