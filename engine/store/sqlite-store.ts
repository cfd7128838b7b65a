import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import type { Claim } from '../core/claim';
import type { Category } from '../core/category';
import { EMPTY_SNAPSHOT, type CoreSnapshot } from '../core/snapshot';
import type { ArbiterStore, StoreBatch } from './arbiter-store';
import { decodeBatch, encodeBatch } from './journal-codec';
import type { StoreSidecar } from './store-sidecar';

/** `PRAGMA user_version` of the schema below; 0 is the schema before the store had an identity. */
export const SCHEMA_VERSION = 1;

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
CREATE TABLE IF NOT EXISTS store_info (
  id INTEGER PRIMARY KEY CHECK (id = 1), identity TEXT NOT NULL, created INTEGER NOT NULL, commits INTEGER NOT NULL, mark INTEGER NOT NULL);
`;

/** The tables an engine store has once it has an identity: one missing means rows were lost. */
export const STORE_TABLES = ['claims', 'actuators', 'facts', 'meta', 'journal', 'store_info'] as const;

export interface SqliteStoreOptions {
  /**
   * `full` (default) survives power loss; `normal` survives a crash of the process but may lose the last
   * commits on power loss, in exchange for fewer fsyncs.
   */
  readonly synchronous?: 'full' | 'normal';
  /** Journal batches after which the rows they changed are folded into the tables (default 256). */
  readonly compactEvery?: number;
  /** Rewritten after every commit with the store's identity and commit number (store-sidecar.ts). */
  readonly sidecar?: StoreSidecar;
  /**
   * WAL pages after which a commit copies the WAL back into the store file (SQLite's `wal_autocheckpoint`,
   * default 1000). The threaded store leaves that to a thread of its own and sets it high, as a safety net.
   */
  readonly checkpointAfter?: number;
}

/** Who the store is and how far it got: kept in `store_info`, repeated in the sidecar. */
export interface StoreInfo {
  readonly identity: string;
  readonly created: number;
  /** The number of the last durable commit. */
  readonly commits: number;
  /** The highest engine time any commit carried: the wall-clock high-water mark. */
  readonly mark: number;
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

/** SQLite's answer when the disk (or the file system's quota) is full. */
export const isFull = (err: unknown) => (err as { code?: string }).code === 'SQLITE_FULL';

const rowCount = (batch: StoreBatch) => batch.claimsPut.length + batch.claimsDeleted.length + batch.actuators.length + batch.facts.length;
const toJson = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
const fromJson = (text: string | null): any => (text === null ? undefined : JSON.parse(text));

/**
 * The embedded store: better-sqlite3 in WAL mode. A group commit appends one row of JSON to a journal and counts
 * itself in `store_info` (one transaction, one fsync, whatever the batch holds). Every `compactEvery` commits the
 * rows they changed are frozen and written to the tables a slice at a time, so no commit waits for a whole fold;
 * once the slices are done, the journal up to the freeze is deleted. A claim replaced a hundred times meanwhile is
 * written once. On the event loop (`write`) a slice rides in each commit's transaction; on its own thread
 * (store-thread.ts) the commit carries only the journal row and the slices run between commits (`foldStep`).
 */
export class SqliteStore implements ArbiterStore {
  readonly db: Database.Database;
  private readonly statements;
  private readonly compactEvery: number;
  private readonly sidecar?: StoreSidecar;
  private readonly synchronous: 'FULL' | 'NORMAL';
  private infoRow: StoreInfo;
  private journalled = 0;
  private lastSeq = 0;
  private pending = noRows();
  /** Journal rows appended as text and not yet merged into `pending` (the thread parses them between commits). */
  private unmerged: string[] = [];
  /** The rows frozen at the last checkpoint, being written slice by slice, and the journal they cover. */
  private folding?: { readonly upTo: number; readonly writes: Iterator<void> };
  private readonly appendTx: (json: string, at: number, slice: number) => number;
  private readonly sliceTx: (rows: number) => void;
  private readonly foldAllTx: () => void;

  constructor(
    readonly file: string,
    options: SqliteStoreOptions = {},
  ) {
    this.db = new Database(file);
    const db = this.db;
    db.pragma('journal_mode = WAL');
    this.synchronous = options.synchronous === 'normal' ? 'NORMAL' : 'FULL';
    db.pragma(`synchronous = ${this.synchronous}`);
    if (options.checkpointAfter !== undefined) db.pragma(`wal_autocheckpoint = ${options.checkpointAfter}`);
    db.exec(SCHEMA);
    this.infoRow = this.identify();
    this.compactEvery = options.compactEvery ?? 256;
    this.sidecar = options.sidecar;
    this.statements = {
      putClaim: db.prepare(
        'INSERT OR REPLACE INTO claims (target, claimant, state, category, rank, manual, since, expires_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      deleteClaim: db.prepare('DELETE FROM claims WHERE target = ? AND claimant = ?'),
      putActuator: db.prepare('INSERT OR REPLACE INTO actuators (id, state, desired, winner, available, last_change_at) VALUES (?, ?, ?, ?, ?, ?)'),
      putFact: db.prepare('INSERT OR REPLACE INTO facts (name, value, updated_at, stale) VALUES (?, ?, ?, ?)'),
      putMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
      append: db.prepare('INSERT INTO journal (batch) VALUES (?)'),
      count: db.prepare('UPDATE store_info SET commits = commits + 1, mark = max(mark, ?) WHERE id = 1'),
      journal: db.prepare('SELECT seq, batch FROM journal ORDER BY seq'),
      truncateTo: db.prepare('DELETE FROM journal WHERE seq <= ?'),
      truncate: db.prepare('DELETE FROM journal'),
    };
    this.appendTx = db.transaction((json: string, at: number, slice: number) => {
      const seq = Number(this.statements.append.run(json).lastInsertRowid);
      this.statements.count.run(at);
      if (slice > 0) this.foldSlice(slice);
      return seq;
    });
    this.sliceTx = db.transaction((rows: number) => this.foldSlice(rows));
    this.foldAllTx = db.transaction(() => {
      if (this.folding) for (let w = this.folding.writes.next(); !w.done; w = this.folding.writes.next());
      for (const _ of this.writes(this.pending));
      this.statements.truncate.run();
      this.folding = undefined;
      this.pending = noRows();
      this.journalled = 0;
    });
    this.recover();
    this.sidecar?.write({ store: this.infoRow.identity, commit: this.infoRow.commits, mark: this.infoRow.mark });
  }

  /** Identity, commit number and high-water mark, as of the last commit. */
  get info(): StoreInfo {
    return this.infoRow;
  }

  /** A store without an identity gets one now (a new store, or one from before the schema had it). */
  private identify(): StoreInfo {
    const read = () => this.db.prepare('SELECT identity, created, commits, mark FROM store_info WHERE id = 1').get() as StoreInfo | undefined;
    const found = read();
    if (found) return found;
    this.db.prepare('INSERT INTO store_info (id, identity, created, commits, mark) VALUES (1, ?, ?, 0, 0)').run(randomUUID(), Date.now());
    this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    return read()!;
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
   * Writes up to `rows` rows of the frozen fold, freezing the next one first when enough batches were journalled.
   * Rows frozen at a checkpoint may have changed since: writing their older value is harmless, because the journal
   * after the checkpoint is kept and replayed over the tables on recovery, in order.
   */
  private foldSlice(rows: number): void {
    if (!this.folding) {
      if (this.journalled < this.compactEvery || this.unmerged.length > 0) return;
      this.folding = { upTo: this.lastSeq, writes: this.writes(this.pending) };
      this.pending = noRows();
      this.journalled = 0;
    }
    const folding = this.folding;
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
    this.resetFromJournal();
    try {
      this.foldAllTx();
    } catch (err) {
      // A full disk: the journal stays as it is and is read with the tables (load), so the store still opens
      // and the engine can run on what is in force while writes are refused.
      if (!isFull(err)) throw err;
      this.resetFromJournal();
    }
  }

  /** Forgets what the fold had in memory and takes it again from the journal on disk: after a failed write. */
  private resetFromJournal(): void {
    this.folding = undefined;
    this.unmerged = [];
    this.pending = noRows();
    this.journalled = 0;
    for (const row of this.statements.journal.iterate() as Iterable<{ seq: number; batch: string }>) {
      merge(this.pending, decodeBatch(row.batch));
      this.journalled++;
      this.lastSeq = row.seq;
    }
  }

  /** What the tables and the journal hold together; reads only, so it works on a full disk. */
  load(): CoreSnapshot {
    const rows = noRows();
    for (const row of this.statements.journal.iterate() as Iterable<{ batch: string }>) merge(rows, decodeBatch(row.batch));
    const claims = new Map<string, Claim>();
    for (const r of this.db.prepare('SELECT * FROM claims').iterate() as Iterable<any>) {
      claims.set(`${r.target}\u0000${r.claimant}`, {
        target: r.target,
        claimant: r.claimant,
        state: JSON.parse(r.state),
        category: r.category as Category,
        rank: r.rank,
        manual: r.manual === 1,
        since: r.since,
        expiresAt: r.expires_at,
        seq: r.seq,
      });
    }
    for (const [target, byClaimant] of rows.claims) {
      for (const [claimant, c] of byClaimant) {
        if (c) claims.set(`${target}\u0000${claimant}`, c);
        else claims.delete(`${target}\u0000${claimant}`);
      }
    }
    const actuators = new Map((this.db.prepare('SELECT * FROM actuators').all() as any[]).map((r) => [
      r.id as string,
      { id: r.id, state: fromJson(r.state) ?? null, desired: fromJson(r.desired) ?? null, winner: r.winner, available: r.available === 1, lastChangeAt: r.last_change_at },
    ]));
    for (const a of rows.actuators.values()) actuators.set(a.id, a);
    const facts = new Map((this.db.prepare('SELECT * FROM facts').all() as any[]).map((r) => [
      r.name as string,
      { name: r.name, value: fromJson(r.value), updatedAt: r.updated_at, stale: r.stale === 1 },
    ]));
    for (const f of rows.facts.values()) facts.set(f.name, f);
    const meta = rows.meta ?? Object.fromEntries((this.db.prepare('SELECT key, value FROM meta').all() as any[]).map((r) => [r.key, JSON.parse(r.value)]));
    return { ...EMPTY_SNAPSHOT, ...meta, claims: [...claims.values()], actuators: [...actuators.values()], facts: [...facts.values()] };
  }

  /** On the event loop: the batch is durable when this returns, and a slice of the fold rides in its transaction. */
  write(batch: StoreBatch): void {
    this.append(encodeBatch(batch), batch.at ?? 0, batch, 2 * rowCount(batch) + 16);
  }

  /**
   * Appends one batch (as JSON) to the journal in a durable transaction and returns its commit number. `batch` is
   * its parsed form when the caller has it; otherwise it is parsed later, by `foldStep`. `slice`: rows of the fold
   * written in the same transaction. A failure leaves nothing of the batch, here or in memory.
   */
  append(json: string, at: number, batch?: StoreBatch, slice = 0): number {
    try {
      this.lastSeq = this.appendTx(json, at, slice);
    } catch (err) {
      this.resetFromJournal();
      throw err;
    }
    if (batch) merge(this.pending, batch);
    else this.unmerged.push(json);
    this.journalled++;
    this.infoRow = { ...this.infoRow, commits: this.infoRow.commits + 1, mark: Math.max(this.infoRow.mark, at) };
    this.sidecar?.write({ store: this.infoRow.identity, commit: this.infoRow.commits, mark: this.infoRow.mark });
    return this.infoRow.commits;
  }

  /**
   * Between commits, on the store's thread: parses what was appended as text, then writes up to `rows` rows of the
   * fold in a transaction of its own. Returns whether work is left. The fold needs no fsync of its own: the
   * journal it replaces stays until the fold's transaction (which deletes it) is durable with the next commit.
   */
  foldStep(rows: number): boolean {
    for (const json of this.unmerged.splice(0)) merge(this.pending, decodeBatch(json));
    if (!this.folding && this.journalled < this.compactEvery) return false;
    if (this.synchronous === 'FULL') this.db.pragma('synchronous = NORMAL');
    try {
      this.sliceTx(rows);
    } catch (err) {
      this.resetFromJournal();
      throw err;
    } finally {
      if (this.synchronous === 'FULL') this.db.pragma('synchronous = FULL');
    }
    return this.folding !== undefined || this.journalled >= this.compactEvery;
  }

  /** Online backup through SQLite's backup API: a consistent copy while commits go on. */
  async backup(destination: string): Promise<void> {
    await this.db.backup(destination);
  }

  /** Folds what is journalled (if the disk lets it: otherwise the next open does) and closes. */
  close(): void {
    if (!this.db.open) return;
    try {
      for (const json of this.unmerged.splice(0)) merge(this.pending, decodeBatch(json));
      this.foldAllTx();
    } catch (err) {
      if (!isFull(err)) throw err;
    } finally {
      this.sidecar?.close({ store: this.infoRow.identity, commit: this.infoRow.commits, mark: this.infoRow.mark });
      this.db.close();
    }
  }
}
