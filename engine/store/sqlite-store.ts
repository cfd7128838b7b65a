import Database from 'better-sqlite3';
import type { Claim } from '../core/claim';
import type { Category } from '../core/category';
import { EMPTY_SNAPSHOT, type CoreSnapshot } from '../core/snapshot';
import type { ArbiterStore, StoreBatch } from './arbiter-store';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS claims (
  target TEXT NOT NULL, claimant TEXT NOT NULL, state TEXT NOT NULL, category TEXT NOT NULL, rank INTEGER NOT NULL,
  manual INTEGER NOT NULL, since INTEGER NOT NULL, expires_at INTEGER, seq INTEGER NOT NULL,
  PRIMARY KEY (target, claimant)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS actuators (
  id TEXT PRIMARY KEY, state TEXT, desired TEXT, winner TEXT, available INTEGER NOT NULL, last_change_at INTEGER
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS facts (name TEXT PRIMARY KEY, value TEXT, updated_at INTEGER NOT NULL, stale INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
`;

export interface SqliteStoreOptions {
  /**
   * `full` (default) survives power loss; `normal` survives a crash of the process but may lose the last
   * commits on power loss, in exchange for fewer fsyncs.
   */
  readonly synchronous?: 'full' | 'normal';
}

const toJson = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
const fromJson = (text: string | null): any => (text === null ? undefined : JSON.parse(text));

/** The embedded store: better-sqlite3 in WAL mode, one transaction per group commit. */
export class SqliteStore implements ArbiterStore {
  readonly db: Database.Database;
  private readonly statements;
  private readonly writeBatch: (batch: StoreBatch) => void;

  constructor(readonly file: string, options: SqliteStoreOptions = {}) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    this.db.exec(SCHEMA);
    const db = this.db;
    this.statements = {
      putClaim: db.prepare(
        'INSERT OR REPLACE INTO claims (target, claimant, state, category, rank, manual, since, expires_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      deleteClaim: db.prepare('DELETE FROM claims WHERE target = ? AND claimant = ?'),
      putActuator: db.prepare('INSERT OR REPLACE INTO actuators (id, state, desired, winner, available, last_change_at) VALUES (?, ?, ?, ?, ?, ?)'),
      putFact: db.prepare('INSERT OR REPLACE INTO facts (name, value, updated_at, stale) VALUES (?, ?, ?, ?)'),
      putMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
    };
    this.writeBatch = db.transaction((batch: StoreBatch) => {
      const s = this.statements;
      for (const [target, claimant] of batch.claimsDeleted) s.deleteClaim.run(target, claimant);
      for (const c of batch.claimsPut) {
        s.putClaim.run(c.target, c.claimant, JSON.stringify(c.state), c.category, c.rank, c.manual ? 1 : 0, c.since, c.expiresAt, c.seq);
      }
      for (const a of batch.actuators) {
        s.putActuator.run(a.id, toJson(a.state ?? undefined), toJson(a.desired ?? undefined), a.winner, a.available ? 1 : 0, a.lastChangeAt);
      }
      for (const f of batch.facts) s.putFact.run(f.name, toJson(f.value), f.updatedAt, f.stale ? 1 : 0);
      if (batch.meta) for (const [key, value] of Object.entries(batch.meta)) s.putMeta.run(key, JSON.stringify(value));
    });
  }

  load(): CoreSnapshot {
    const claims = this.db.prepare('SELECT * FROM claims').all() as any[];
    const actuators = this.db.prepare('SELECT * FROM actuators').all() as any[];
    const facts = this.db.prepare('SELECT * FROM facts').all() as any[];
    const meta = Object.fromEntries((this.db.prepare('SELECT key, value FROM meta').all() as any[]).map((r) => [r.key, JSON.parse(r.value)]));
    return {
      ...EMPTY_SNAPSHOT,
      ...meta,
      claims: claims.map(
        (r): Claim => ({
          target: r.target,
          claimant: r.claimant,
          state: JSON.parse(r.state),
          category: r.category as Category,
          rank: r.rank,
          manual: r.manual === 1,
          since: r.since,
          expiresAt: r.expires_at,
          seq: r.seq,
        }),
      ),
      actuators: actuators.map((r) => ({
        id: r.id,
        state: fromJson(r.state) ?? null,
        desired: fromJson(r.desired) ?? null,
        winner: r.winner,
        available: r.available === 1,
        lastChangeAt: r.last_change_at,
      })),
      facts: facts.map((r) => ({ name: r.name, value: fromJson(r.value), updatedAt: r.updated_at, stale: r.stale === 1 })),
    };
  }

  write(batch: StoreBatch): void {
    this.writeBatch(batch);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
