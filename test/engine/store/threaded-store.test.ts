import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Claim } from '../../../engine/core/claim';
import { readSidecar } from '../../../engine/store/store-sidecar';
import { ThreadedStore } from '../../../engine/store/threaded-store';
import { waitFor } from '../../server/server-fixture';

const claim = (target: string, seq: number): Claim => ({ claimant: 'security', target, state: 'locked', category: 'property', rank: 0, manual: false, since: seq, expiresAt: null, seq });
const batch = (target: string, seq: number) => ({ claimsPut: [claim(target, seq)], claimsDeleted: [], actuators: [], facts: [], at: 1_000_000 + seq });

describe('ThreadedStore: the store on a thread of its own', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'threaded-store-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('has a commit durable when its promise resolves, counted in the store and in the sidecar', async () => {
    const file = join(dir, 'store.sqlite');
    const store = await ThreadedStore.open(file, { sidecar: true });
    await store.write(batch('front.lock', 1));
    const reader = new Database(file, { readonly: true });
    assert.equal((reader.prepare('SELECT COUNT(*) AS n FROM journal').get() as { n: number }).n, 1, 'in the journal, for any other connection');
    reader.close();
    assert.deepEqual([store.info.commits, store.info.mark], [1, 1_000_001]);
    assert.deepEqual(readSidecar(file) && [readSidecar(file)!.store, readSidecar(file)!.commit], [store.info.identity, 1]);
    await store.close();
    await store.close();
    await assert.rejects(store.write(batch('front.lock', 2)), /the store is closed/);
  });

  it('checkpoints the WAL on a thread of its own while commits go on, and backs up online', async () => {
    const file = join(dir, 'store.sqlite');
    const store = await ThreadedStore.open(file);
    for (let i = 1; i <= 60; i++) await store.write(batch(`actuator-${i % 40}`, i));
    // Only a checkpoint writes pages into the store file itself; no commit does one (60 commits are far below the
    // writer's own threshold).
    await waitFor('a checkpoint', () => (statSync(file).size > 8192 ? true : undefined));
    const backup = join(dir, 'backup.sqlite');
    await store.backup(backup);
    await store.close();
    const copy = new Database(backup, { readonly: true });
    const journalled = (copy.prepare('SELECT COUNT(*) AS n FROM journal').get() as { n: number }).n;
    const folded = (copy.prepare('SELECT COUNT(*) AS n FROM claims').get() as { n: number }).n;
    copy.close();
    assert.ok(journalled + folded > 0, 'the backup holds the commits');
    const reopened = await ThreadedStore.open(file);
    assert.equal((await reopened.load()).claims.length, 40);
    await reopened.close();
  });
});
