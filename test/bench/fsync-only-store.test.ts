import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsyncOnlyStore } from '../../bench/fsync-only-store';
import { decodeBatch } from '../../engine/store/journal-codec';
import type { StoreBatch } from '../../engine/store/arbiter-store';

describe("bench: the disk's floor (FsyncOnlyStore)", () => {
  const dir = mkdtempSync(join(tmpdir(), 'fsync-only-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('has each batch in its file, in commit order, by the time its write resolves', async () => {
    const file = join(dir, 'journal');
    const store = await FsyncOnlyStore.open(file);
    const batch = (at: number): StoreBatch => ({
      claimsPut: [{ target: 'door', claimant: 'security', state: 'locked', category: 'property', rank: 1, manual: false, since: at, expiresAt: null, seq: at }],
      claimsDeleted: [],
      actuators: [],
      facts: [],
      at,
    });
    try {
      await Promise.all([store.write(batch(1)), store.write(batch(2))]);
      await store.write(batch(3));
      const lines = readFileSync(file, 'utf8').replace(/\0+$/, '').trimEnd().split('\n');
      assert.deepEqual(lines.map((l) => decodeBatch(l).at), [1, 2, 3]);
      assert.equal(decodeBatch(lines[2]).claimsPut[0].state, 'locked');
      const syncs = await store.syncs();
      assert.equal(syncs.length, 3, 'one timed write + fdatasync per group commit');
      assert.ok(syncs.every((ms) => ms > 0), `each took some time: ${syncs.join(', ')}`);
    } finally {
      await store.close();
    }
  });
});
