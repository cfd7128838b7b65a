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
  /** Journal batches after which the rows they changed are folded into the tables (default 256). */
  readonly compactEvery?: number;
}

type Rows = ReturnType<typeof noRows>;

/** Rows changed since a point in the journal, each with its last value (null: a deleted claim). */
function noRows() {
  return {
    claims: new Map<string /* target */, Map<string /* claimant */, Claim | null>>(),
    actuators: new Map<string /* actuator id */, StoreBatch['actuators'][number]>(),
    facts: new Map<string /* fact name */, StoreBatch['facts'][number]>(),
    meta: undefined as StoreBatch['meta'],
  };
}

function merge(rows: Rows, batch: StoreBatch): void {
  const claimsOf = (target: string) => rows.claims.get(target) ?? rows.claims.set(target, new Map()).get(target)!;
  for (const [target, claimant] of batch.claimsDeleted) claimsOf(target).set(claimant, null);
  for (const c of batch.claimsPut) claimsOf(c.target).set(c.claimant, c);
  for (const a of batch.actuators) rows.actuators.set(a.id, a);
  for (const f of batch.facts) rows.facts.set(f.name, f);
  if (batch.meta) rows.meta = batch.meta;
}

const toJson = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
const fromJson = (text: string | null): any => (text === null ? undefined : JSON.parse(text));

/**
 * The embedded store: better-sqlite3 in WAL mode. A group commit appends one row of JSON to a journal (a single
 * statement, one fsync, whatever the batch holds). Every `compactEvery` commits the rows they changed are frozen
 * and written to the tables a slice per later commit, inside that commit's transaction, so no commit waits for a
 * whole fold; once the slices are done, the journal up to the freeze is deleted. A claim replaced a hundred times
 * meanwhile is written once. The journal is read back only on open and load (after a crash).
 */
export class SqliteStore implements ArbiterStore {
  readonly db: Database.Database;
  private readonly statements;
  private readonly compactEvery: number;
  private journalled = 0;
  private pending = noRows();
  /** The rows frozen at the last checkpoint, being written slice by slice, and the journal they cover. */
  private folding?: { readonly upTo: number; readonly writes: Iterator<void> };
  private readonly commit: (batch: StoreBatch) => void;
  private readonly foldAll: () => void;

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
      truncateTo: db.prepare('DELETE FROM journal WHERE seq <= ?'),
      truncate: db.prepare('DELETE FROM journal'),
    };
    this.commit = db.transaction((batch: StoreBatch) => {
      const seq = Number(this.statements.append.run(JSON.stringify(batch)).lastInsertRowid);
      merge(this.pending, batch);
      // Keep ahead of the write rate: twice the rows this commit changed, and a few more.
      if (this.folding) this.foldSlice(2 * (batch.claimsPut.length + batch.claimsDeleted.length + batch.actuators.length + batch.facts.length) + 16);
      else if (++this.journalled >= this.compactEvery) {
        this.folding = { upTo: seq, writes: this.writes(this.pending) };
        this.pending = noRows();
        this.journalled = 0;
      }
    });
    this.foldAll = db.transaction(() => {
      if (this.folding) for (let w = this.folding.writes.next(); !w.done; w = this.folding.writes.next());
      for (const _ of this.writes(this.pending));
      this.statements.truncate.run();
      this.folding = undefined;
      this.pending = noRows();
      this.journalled = 0;
    });
    this.recover();
  }

  /** Writes rows to the tables, one per step, so that a fold can be cut into slices. */
  private *writes(rows: Rows): Generator<void> {
    const st = this.statements;
    for (const [target, claimants] of rows.claims) {
      for (const [claimant, c] of claimants) {
        if (c) st.putClaim.run(c.target, c.claimant, JSON.stringify(c.state), c.category, c.rank, c.manual ? 1 : 0, c.since, c.expiresAt, c.seq);
        else st.deleteClaim.run(target, claimant);
        yield;
      }
    }
    for (const a of rows.actuators.values()) {
      st.putActuator.run(a.id, toJson(a.state ?? undefined), toJson(a.desired ?? undefined), a.winner, a.available ? 1 : 0, a.lastChangeAt);
      yield;
    }
    for (const f of rows.facts.values()) {
      st.putFact.run(f.name, toJson(f.value), f.updatedAt, f.stale ? 1 : 0);
      yield;
    }
    if (rows.meta) for (const [key, value] of Object.entries(rows.meta)) st.putMeta.run(key, JSON.stringify(value));
  }

  /**
   * Rows frozen at a checkpoint may have changed since: writing their older value is harmless, because the journal
   * after the checkpoint is kept and replayed over the tables on recovery, in order.
   */
  private foldSlice(rows: number): void {
    const folding = this.folding!;
    for (let i = 0; i < rows; i++) {
      if (!folding.writes.next().done) continue;
      this.statements.truncateTo.run(folding.upTo);
      this.folding = undefined;
      return;
    }
  }

  /**
   * Folds the journal as it is on disk: batches of a process that died (kill -9, power loss) or of another writer
   * reach the tables. Replaying batches this store merged already is harmless: the last value of a row wins.
   */
  private recover(): void {
    this.folding = undefined;
    this.pending = noRows();
    for (const row of this.statements.journal.iterate() as Iterable<{ batch: string }>) merge(this.pending, JSON.parse(row.batch));
    this.foldAll();
  }

  load(): CoreSnapshot {
    this.recover();
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
    this.commit(batch);
  }

  close(): void {
    if (!this.db.open) return;
    this.foldAll();
    this.db.close();
  }
}
