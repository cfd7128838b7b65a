import { randomFillSync } from 'node:crypto';
import { closeSync, existsSync, fstatSync, fsyncSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { holderFile, lockFile } from '../engine/store/store-lock';
import { sidecarFile } from '../engine/store/store-sidecar';

const CHUNK = 1 << 20;

/** The store's file, SQLite's companions (WAL, shared memory, rollback journal) and its sidecar. */
export function storeFiles(storeFile: string): string[] {
  return [storeFile, `${storeFile}-wal`, `${storeFile}-shm`, `${storeFile}-journal`, sidecarFile(storeFile)];
}

/** The store's lock (a SQLite file of its own and its journal) and the file naming its holder. */
export function lockFiles(storeFile: string): string[] {
  return [lockFile(storeFile), `${lockFile(storeFile)}-journal`, holderFile(storeFile)];
}

/**
 * Overwrites each file with random bytes, flushes it to disk, then deletes it: the erasure function (claims,
 * facts and the decision log say when people are home). On flash storage with wear levelling an overwrite is
 * best effort; full-disk encryption is the stronger measure, as docs/server.md says.
 */
export function eraseFiles(files: readonly string[]): string[] {
  const erased: string[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    const fd = openSync(file, 'r+');
    try {
      const size = fstatSync(fd).size;
      const buffer = Buffer.alloc(Math.min(CHUNK, Math.max(size, 1)));
      for (let offset = 0; offset < size; offset += buffer.length) {
        randomFillSync(buffer);
        writeSync(fd, buffer, 0, Math.min(buffer.length, size - offset), offset);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    unlinkSync(file);
    erased.push(file);
  }
  return erased;
}
