import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { SCHEMA_VERSION, STORE_TABLES, type StoreInfo } from './sqlite-store';
import { readSidecar, sidecarFile, type SidecarState } from './store-sidecar';

/**
 * How a store can have lost what it acknowledged without SQLite noticing (issue 11): `corrupt` (quick_check
 * fails), `empty` (missing, zero-length, or without the identity its sidecar knows), `replaced` (another store's
 * identity), `rolled-back` (fewer commits than its sidecar saw: an older copy put back, a deleted `-wal`),
 * `missing-table` (a table of the engine dropped).
 */
export type StoreFindingKind = 'corrupt' | 'empty' | 'replaced' | 'rolled-back' | 'missing-table';

export interface StoreFinding {
  readonly kind: StoreFindingKind;
  readonly message: string;
}

export interface StoreCheck {
  readonly file: string;
  /** What the store says about itself, when it has an identity. */
  readonly info?: StoreInfo;
  /** What its sidecar last saw. */
  readonly sidecar?: SidecarState;
  readonly findings: readonly StoreFinding[];
  /** A store of an older schema: opening it upgrades it, so it is backed up first. */
  readonly upgrade: boolean;
  /** A sound SQLite file (or none): a fault record can be written into it. */
  readonly sound: boolean;
}

/** Reads the store without writing to it and compares it with its sidecar: what start-up must know first. */
export function checkStore(file: string): StoreCheck {
  const sidecar = readSidecar(file);
  const saw = sidecar ? `its sidecar ${sidecarFile(file)} last saw store ${sidecar.store} at commit ${sidecar.commit}` : '';
  const base = { file, ...(sidecar ? { sidecar } : {}) };
  if (!existsSync(file)) {
    return { ...base, findings: sidecar ? [{ kind: 'empty', message: `is missing, but ${saw}` }] : [], upgrade: false, sound: true };
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const problems = (db.pragma('quick_check') as { quick_check: string }[]).map((r) => r.quick_check).filter((r) => r !== 'ok');
    if (problems.length > 0) return corrupt(base, `quick_check: ${problems.slice(0, 3).join('; ')}`);
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
    const info = tables.has('store_info') ? (db.prepare('SELECT identity, created, commits, mark FROM store_info WHERE id = 1').get() as StoreInfo | undefined) : undefined;
    const version = db.pragma('user_version', { simple: true }) as number;
    const findings: StoreFinding[] = [];
    if (info) {
      for (const table of STORE_TABLES) if (!tables.has(table)) findings.push({ kind: 'missing-table', message: `has lost its ${table} table (store ${info.identity}, commit ${info.commits})` });
      if (sidecar && sidecar.store !== info.identity) findings.push({ kind: 'replaced', message: `is store ${info.identity}, but ${saw}: another store was put in its place` });
      else if (sidecar && info.commits < sidecar.commit) {
        findings.push({ kind: 'rolled-back', message: `is at commit ${info.commits}, but ${saw}: ${sidecar.commit - info.commits} commits are missing (an older copy put back, or its -wal file deleted)` });
      }
    } else if (sidecar) {
      const what = statSync(file).size === 0 ? 'is empty (0 bytes)' : tables.has('claims') ? 'has no store identity (a store from an older version put in its place?)' : 'has no store in it';
      findings.push({ kind: tables.has('claims') ? 'replaced' : 'empty', message: `${what}, but ${saw}` });
    }
    return { ...base, ...(info ? { info } : {}), findings, upgrade: tables.has('claims') && version < SCHEMA_VERSION, sound: true };
  } catch (err) {
    return corrupt(base, err instanceof Error ? err.message : String(err));
  } finally {
    db?.close();
  }
}

function corrupt(base: Pick<StoreCheck, 'file' | 'sidecar'>, problem: string): StoreCheck {
  return { ...base, findings: [{ kind: 'corrupt', message: `is corrupt (${problem})` }], upgrade: false, sound: false };
}
