import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDurableStore, StoreLossError } from '../../../engine/store/durable-store';
import { StoreBackups } from '../../../engine/store/store-backups';
import { StoreLockedError } from '../../../engine/store/store-lock';

describe('openDurableStore: lock, loss check, pre-upgrade backup (issue 11)', () => {
  let dir: string;
  let file: string;
  let backups: StoreBackups;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'durable-store-'));
    file = join(dir, 'home.sqlite');
    backups = new StoreBackups(file);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const open = (options: { acceptLoss?: boolean } = {}) => openDurableStore(file, { command: 'test', backups, ...options });

  it('refuses a second owner in the same process, naming the first', async () => {
    const first = await open();
    try {
      await assert.rejects(open(), (err: unknown) => err instanceof StoreLockedError && /home\.sqlite is in use by test \(pid \d+ on .+, since .+\): stop it first$/.test(err.message));
    } finally {
      await first.store.close();
      first.lock.release();
    }
    const again = await open();
    await again.store.close();
    again.lock.release();
  });

  it('backs up a store of the older schema before upgrading it, and the upgrade keeps its rows', async () => {
    const old = new Database(file);
    old.exec(`CREATE TABLE claims (target TEXT NOT NULL, claimant TEXT NOT NULL, state TEXT NOT NULL, category TEXT NOT NULL, rank INTEGER NOT NULL,
      manual INTEGER NOT NULL, since INTEGER NOT NULL, expires_at INTEGER, seq INTEGER NOT NULL, PRIMARY KEY (target, claimant)) WITHOUT ROWID`);
    old.prepare('INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run('front.lock', 'security', '"locked"', 'property', 0, 0, 1, null, 1);
    old.close();
    const opened = await open();
    assert.equal(opened.upgradeBackup?.tag, 'pre-upgrade');
    assert.deepEqual((await opened.store.load()).claims.map((c) => [c.claimant, c.target, c.state]), [['security', 'front.lock', 'locked']]);
    assert.ok(opened.store.info.identity);
    await opened.store.close();
    opened.lock.release();
    const copy = new Database(opened.upgradeBackup!.file, { readonly: true });
    assert.equal((copy.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'store_info'").get() as { n: number }).n, 0, 'the backup is the store as it was');
    copy.close();
  });

  it('names the newest good backup of the same store when it refuses, and moves a corrupt store aside when the loss is accepted', async () => {
    const first = await open();
    await first.store.write({ claimsPut: [], claimsDeleted: [], actuators: [], facts: [], at: 5 });
    const backup = await backups.take((destination) => first.store.backup(destination));
    await first.store.close();
    first.lock.release();

    writeFileSync(file, 'not a database, but not empty either '.repeat(200));
    for (const companion of ['-wal', '-shm']) rmSync(`${file}${companion}`, { force: true });
    await assert.rejects(open(), (err: unknown) => err instanceof StoreLossError && err.message.includes(`newest good backup: ${backup.file} (commit ${backup.commit},`) && /is corrupt/.test(err.message));
    const accepted = await open({ acceptLoss: true });
    assert.ok(accepted.movedAside && existsSync(accepted.movedAside));
    assert.deepEqual(accepted.accepted.map((f) => f.kind), ['corrupt']);
    await accepted.store.close();
    accepted.lock.release();
  });
});
