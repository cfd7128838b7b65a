import { chmodSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import Database from 'better-sqlite3';
import { STORE_TABLES, type StoreInfo } from './sqlite-store';

export interface BackupEntry {
  readonly file: string;
  /** When it was taken (wall-clock ms, from its name). */
  readonly taken: number;
  /** The store's commit number it holds. */
  readonly commit: number;
  /** `pre-upgrade`, `pre-restore`: taken before a change of the store, never rotated away. */
  readonly tag?: string;
}

/** `sound`: quick_check passed, whatever else is missing (a store of the schema before identities has no `store_info`). */
export type BackupInspection = { readonly ok: true; readonly info: StoreInfo } | { readonly ok: false; readonly problem: string; readonly sound: boolean };

/** Whether a file is a whole store: quick_check passes, every table is there, and it has an identity. */
export function inspectBackup(file: string): BackupInspection {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const problems = (db.pragma('quick_check') as { quick_check: string }[]).map((r) => r.quick_check).filter((r) => r !== 'ok');
    if (problems.length > 0) return { ok: false, problem: `quick_check: ${problems.slice(0, 3).join('; ')}`, sound: false };
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
    const missing = STORE_TABLES.filter((t) => !tables.has(t));
    if (missing.length > 0) return { ok: false, problem: `not a home-arbiter store: no ${missing.join(', ')} table`, sound: true };
    const info = db.prepare('SELECT identity, created, commits, mark FROM store_info WHERE id = 1').get() as StoreInfo | undefined;
    return info ? { ok: true, info } : { ok: false, problem: 'the store has no identity', sound: true };
  } catch (err) {
    return { ok: false, problem: err instanceof Error ? err.message : String(err), sound: false };
  } finally {
    db?.close();
  }
}

export const defaultBackupDir = (storeFile: string) => `${storeFile}.backups`;

const NAME = /^(.+)-(\d{8}T\d{6}(?:\d{3})?Z)-c(\d+)(?:-([a-z-]+))?\.sqlite$/;
const stamp = (wall: number) => new Date(wall).toISOString().replace(/[-:]/g, '').replace('.', '');
const fromStamp = (text: string) => Date.parse(`${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}T${text.slice(9, 11)}:${text.slice(11, 13)}:${text.slice(13, 15)}.${text.slice(15, 18) || '000'}Z`);

/**
 * Online backups of a store (SQLite's backup API through better-sqlite3: a consistent copy while commits go on),
 * in a folder of their own, named `<store>-<UTC time>-c<commit>[-<tag>].sqlite`. The newest `keep` scheduled ones
 * are kept; tagged ones (taken before an upgrade or a restore) are never rotated away.
 */
export class StoreBackups {
  private readonly prefix: string;

  constructor(
    readonly storeFile: string,
    readonly dir = defaultBackupDir(storeFile),
    readonly keep = 7,
  ) {
    this.prefix = basename(storeFile, extname(storeFile));
  }

  /** A backup through `copy` (the store's thread, or a connection of our own): named after the commit it holds. */
  async take(copy: (destination: string) => Promise<unknown>, tag?: string): Promise<BackupEntry> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const taken = Date.now();
    const partial = join(this.dir, `.${this.prefix}-${stamp(taken)}.partial`);
    try {
      await copy(partial);
      chmodSync(partial, 0o600);
      const inspection = inspectBackup(partial);
      // Before an upgrade the store is of the older schema, without an identity: kept as it is, at commit 0.
      const older = tag === 'pre-upgrade' && !inspection.ok && inspection.sound;
      if (!inspection.ok && !older) throw new Error(`the backup of ${this.storeFile} is not sound: ${inspection.problem}`);
      const commit = inspection.ok ? inspection.info.commits : 0;
      const file = join(this.dir, `${this.prefix}-${stamp(taken)}-c${commit}${tag ? `-${tag}` : ''}.sqlite`);
      renameSync(partial, file);
      if (!tag) this.rotate();
      return { file, taken, commit, ...(tag ? { tag } : {}) };
    } finally {
      for (const companion of ['', '-wal', '-shm']) rmSync(`${partial}${companion}`, { force: true });
    }
  }

  /** A backup of the store file through a read-only connection: no need to stop a server (WAL readers wait for no one). */
  takeOfFile(tag?: string): Promise<BackupEntry> {
    return this.take(async (destination) => {
      const db = new Database(this.storeFile, { readonly: true, fileMustExist: true });
      try {
        await db.backup(destination);
      } finally {
        db.close();
      }
    }, tag);
  }

  /** Newest first. */
  list(): BackupEntry[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names
      .map((name) => NAME.exec(name))
      .filter((m): m is RegExpExecArray => m !== null && m[1] === this.prefix)
      .map((m) => ({ file: join(this.dir, m[0]), taken: fromStamp(m[2]), commit: Number(m[3]), ...(m[4] ? { tag: m[4] } : {}) }))
      .sort((a, b) => b.taken - a.taken || b.commit - a.commit);
  }

  /** The newest backup that is a whole store (of `identity`, when given): what a refused start-up points to. */
  newestGood(identity?: string): BackupEntry | undefined {
    return this.list().find((b) => {
      const inspection = inspectBackup(b.file);
      return inspection.ok && (identity === undefined || inspection.info.identity === identity);
    });
  }

  private rotate(): void {
    for (const old of this.list().filter((b) => !b.tag).slice(this.keep)) rmSync(old.file, { force: true });
  }
}
