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
CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY, batch TEXT NOT NULL);
`;

export interface SqliteStoreOptions {
  /**
   * `full` (default) survives power loss; `normal` survives a crash of the process but may lose the last
   * commits on power loss, in exchange for fewer fsyncs.
   */
  readonly synchronous?: 'full' | 'normal';
  /** Journal batches folded into the tables at a time (default 256). */
  readonly compactEvery?: number;
}

const toJson = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
const fromJson = (text: string | null): any => (text === null ? undefined : JSON.parse(text));

/**
 * The embedded store: better-sqlite3 in WAL mode. A group commit is one row of JSON appended to a journal (a single
 * statement and one fsync, whatever the batch holds); every `compactEvery` batches, and on load and close, the
 * journal is folded into the tables, where a claim replaced a hundred times since is written once.
 */
export class SqliteStore implements ArbiterStore {
  readonly db: Database.Database;
  private readonly statements;
  private readonly compactEvery: number;
  private journalled = 0;
  private readonly fold: () => void;

  constructor(readonly file: string, options: SqliteStoreOptions = {}) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    this.db.exec(SCHEMA);
    this.compactEvery = options.compactEvery ?? 256;
    const db = this.db;
    this.statements = {
      putClaim: db.prepare(
        'INSERT OR REPLACE INTO claims (target, claimant, state, category, rank, manual, since, expires_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      deleteClaim: db.prepare('DELETE FROM claims WHERE target = ? AND claimant = ?'),
      putActuator: db.prepare('INSERT OR REPLACE INTO actuators (id, state, desired, winner, available, last_change_at) VALUES (?, ?, ?, ?, ?, ?)'),
      putFact: db.prepare('INSERT OR REPLACE INTO facts (name, value, updated_at, stale) VALUES (?, ?, ?, ?)'),
      putMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
      append: db.prepare('INSERT INTO journal (batch) VALUES (?)'),
      journal: db.prepare('SELECT seq, batch FROM journal ORDER BY seq'),
      truncate: db.prepare('DELETE FROM journal WHERE seq <= ?'),
    };
    this.fold = db.transaction(() => {
      const s = this.statements;
      // Replay the journal in order into maps, so that each row is written once with its last value.
      const claims = new Map<string, Claim | null>();
      const actuators = new Map<string, StoreBatch['actuators'][number]>();
      const facts = new Map<string, StoreBatch['facts'][number]>();
      let meta: StoreBatch['meta'];
      let last = 0;
      for (const row of s.journal.iterate() as Iterable<{ seq: number; batch: string }>) {
        const batch = JSON.parse(row.batch) as StoreBatch;
        for (const [target, claimant] of batch.claimsDeleted) claims.set(`${target}\u0000${claimant}`, null);
        for (const c of batch.claimsPut) claims.set(`${c.target}\u0000${c.claimant}`, c);
        for (const a of batch.actuators) actuators.set(a.id, a);
        for (const f of batch.facts) facts.set(f.name, f);
        if (batch.meta) meta = batch.meta;
        last = row.seq;
      }
      for (const [key, c] of claims) {
        if (c) s.putClaim.run(c.target, c.claimant, JSON.stringify(c.state), c.category, c.rank, c.manual ? 1 : 0, c.since, c.expiresAt, c.seq);
        else s.deleteClaim.run(...(key.split('\u0000') as [string, string]));
      }
      for (const a of actuators.values()) {
        s.putActuator.run(a.id, toJson(a.state ?? undefined), toJson(a.desired ?? undefined), a.winner, a.available ? 1 : 0, a.lastChangeAt);
      }
      for (const f of facts.values()) s.putFact.run(f.name, toJson(f.value), f.updatedAt, f.stale ? 1 : 0);
      if (meta) for (const [key, value] of Object.entries(meta)) s.putMeta.run(key, JSON.stringify(value));
      s.truncate.run(last);
      this.journalled = 0;
    });
  }

  load(): CoreSnapshot {
    this.fold();
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
    this.statements.append.run(JSON.stringify(batch));
    if (++this.journalled >= this.compactEvery) this.fold();
  }

  close(): void {
    if (!this.db.open) return;
    this.fold();
    this.db.close();
  }
}
