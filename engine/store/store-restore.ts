import { closeSync, copyFileSync, existsSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StoreInfo } from './sqlite-store';
import { inspectBackup, type BackupEntry, type StoreBackups } from './store-backups';
import { moveAside } from './durable-store';
import { checkStore } from './store-check';
import { StoreLock } from './store-lock';
import { StoreSidecar } from './store-sidecar';

export interface Restored {
  /** What the restored store is: its identity and the commit it holds. */
  readonly info: StoreInfo;
  /** The store as it was before, backed up first; undefined when there was none or it was not sound. */
  readonly previous?: BackupEntry;
  /** Where a file that was not a whole store was moved. */
  readonly movedAside?: string;
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * `home-arbiter restore --from FILE`: puts a backup in place of the store, with the store's lock held (so never
 * under a running server). The current store is backed up first (`pre-restore`); the sidecar is set to the
 * backup's identity and commit, since going back to it is now what the operator chose. `record` is called with
 * the lock still held, for the caller's fault record in the restored store.
 */
export async function restoreStore(storeFile: string, from: string, backups: StoreBackups, record?: (reason: string) => void): Promise<Restored> {
  const lock = StoreLock.acquire(storeFile, 'restore');
  try {
    const inspection = inspectBackup(from);
    if (!inspection.ok) throw new Error(`${from}: cannot restore from it: ${inspection.problem}`);
    // The store as it is goes first: as a backup when it is a whole store, otherwise moved aside as it is.
    const current = existsSync(storeFile) ? checkStore(storeFile) : undefined;
    const previous = current?.sound && current.info ? await backups.takeOfFile('pre-restore') : undefined;
    const aside = current && !previous ? moveAside(storeFile) : undefined;
    const partial = `${storeFile}.restoring`;
    copyFileSync(from, partial);
    fsyncPath(partial);
    for (const companion of ['-wal', '-shm', '-journal']) rmSync(`${storeFile}${companion}`, { force: true });
    renameSync(partial, storeFile);
    fsyncPath(dirname(storeFile));
    const { info } = inspection;
    new StoreSidecar(storeFile).close({ store: info.identity, commit: info.commits, mark: info.mark });
    const before = previous ? `; the store before was at commit ${previous.commit}, kept in ${previous.file}` : aside ? `; the file there before (not a whole store) was moved to ${aside}` : '';
    record?.(`restored from ${from} (store ${info.identity}, commit ${info.commits})${before}`);
    return { info, ...(previous ? { previous } : {}), ...(aside ? { movedAside: aside } : {}) };
  } finally {
    lock.release();
  }
}
