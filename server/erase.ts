import { randomFillSync } from 'node:crypto';
import { closeSync, existsSync, fstatSync, fsyncSync, openSync, unlinkSync, writeSync } from 'node:fs';

const CHUNK = 1 << 20;

/** The store's file and SQLite's companions (WAL, shared memory, rollback journal). */
export function storeFiles(storeFile: string): string[] {
  return [storeFile, `${storeFile}-wal`, `${storeFile}-shm`, `${storeFile}-journal`];
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
