import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';

/** Who has a store open: named to a second process that is refused. */
export interface StoreHolder {
  readonly pid: number;
  /** `serve`, `arbiter-supervisor "home"`, `restore` … */
  readonly command: string;
  readonly host: string;
  /** Wall-clock ms when it took the store. */
  readonly since: number;
}

export const lockFile = (storeFile: string) => `${storeFile}.lock`;
export const holderFile = (storeFile: string) => `${storeFile}.holder`;

function readHolder(storeFile: string): StoreHolder | undefined {
  try {
    return JSON.parse(readFileSync(holderFile(storeFile), 'utf8')) as StoreHolder;
  } catch {
    return undefined;
  }
}

/** Another process has the store: two engines on one store would overwrite each other's claims and devices. */
export class StoreLockedError extends Error {
  readonly code = 'STORE_LOCKED';
  constructor(
    readonly storeFile: string,
    readonly holder: StoreHolder | undefined,
  ) {
    super(
      `${storeFile} is in use by ${holder ? `${holder.command} (pid ${holder.pid} on ${holder.host}, since ${new Date(holder.since).toISOString()})` : 'another process'}: stop it first`,
    );
  }
}

/**
 * One writer per store: an exclusive SQLite lock on `<store>.lock`, held for as long as the process has the store.
 * SQLite locks with POSIX advisory locks, which the kernel releases when the process dies (kill -9 included), so a
 * lock is never stale; within a process SQLite refuses a second connection the same way. Who holds it is written to
 * `<store>.holder` once the lock is taken (a holder file left by a dead process names no one the lock refuses).
 */
export class StoreLock {
  private constructor(
    private readonly db: Database.Database,
    readonly storeFile: string,
  ) {}

  /** Takes the store for `command` in this process, or throws `StoreLockedError` naming the holder. */
  static acquire(storeFile: string, command: string): StoreLock {
    const file = lockFile(storeFile);
    let db: Database.Database | undefined;
    try {
      // No busy timeout: a held lock is an answer, not something to wait for.
      db = new Database(file, { timeout: 0 });
      chmodSync(file, 0o600);
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE');
    } catch (err) {
      db?.close();
      if ((err as { code?: string }).code === 'SQLITE_BUSY') throw new StoreLockedError(storeFile, readHolder(storeFile));
      throw err;
    }
    const holder: StoreHolder = { pid: process.pid, command, host: hostname(), since: Date.now() };
    writeFileSync(holderFile(storeFile), `${JSON.stringify(holder)}\n`, { mode: 0o600 });
    return new StoreLock(db, storeFile);
  }

  /** A second call does nothing. */
  release(): void {
    if (!this.db.open) return;
    rmSync(holderFile(this.storeFile), { force: true });
    this.db.close();
  }
}
