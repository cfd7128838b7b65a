import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { LogRetention } from './server-config';

/** Anything the log records: an engine event or one of the server's own (server-events.ts). */
export interface LoggedEvent {
  readonly type: string;
  readonly [field: string]: unknown;
}

export interface LogEntry {
  readonly seq: number;
  /** Wall-clock time of recording (Date.now()). */
  readonly wall: number;
  /** Monotonic milliseconds since this server process started (immune to clock steps). */
  readonly mono: number;
  readonly event: LoggedEvent;
}

export interface LogProblem {
  readonly seq: number;
  readonly problem: string;
}

export interface LogVerification {
  readonly entries: number;
  readonly firstSeq: number | null;
  readonly lastSeq: number | null;
  readonly headHash: string;
  readonly problems: readonly LogProblem[];
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS decision_log (
  seq INTEGER PRIMARY KEY, wall INTEGER NOT NULL, mono REAL NOT NULL, type TEXT NOT NULL, safety INTEGER NOT NULL,
  body TEXT, digest TEXT NOT NULL, hash TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS decision_log_wall ON decision_log (wall);
CREATE TABLE IF NOT EXISTS decision_log_anchor (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL);
`;
const GENESIS = '0'.repeat(64);
/** Entries kept in memory while the disk refuses them; beyond, events are counted, then logged as `log-dropped`. */
const MAX_UNWRITTEN = 50_000;

/**
 * The issue's safety events, kept longest: life-category claims, alarms, denials, faults and their kin. An alarm's
 * acknowledgement is kept as long as the alarm, or a restart would find the alarm unacknowledged.
 */
const SAFETY_TYPES = new Set(['alarm', 'alarm-acknowledged', 'denied', 'degraded', 'revoked', 'fault', 'auth-lockout', 'clock-jump', 'plugin-refused', 'lifetime-warning']);
export function isSafetyEvent(event: LoggedEvent): boolean {
  return SAFETY_TYPES.has(event.type) || event.category === 'life';
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** What an entry's digest covers: every column but the chain itself, so any edit shows. */
const digestOf = (seq: number, wall: number, mono: number, type: string, safety: number, body: string) => sha256(JSON.stringify([seq, wall, mono, type, safety, body]));
const chain = (prevHash: string, digest: string) => sha256(prevHash + digest);
/** Two events are repeats when they differ only in engine time. */
const sameButTime = (a: LoggedEvent, b: LoggedEvent) => JSON.stringify({ ...a, at: 0 }) === JSON.stringify({ ...b, at: 0 });

/** One stored entry as the table holds it: what the off-box copy (fleet/) carries and compares. */
export interface LogRow {
  seq: number;
  wall: number;
  mono: number;
  type: string;
  safety: number;
  body: string | null;
  digest: string;
  hash: string;
}

/**
 * The decision log: every event appended to SQLite with a hash chain (entry hash = sha256(previous hash +
 * digest of the entry)). Pruning keeps the digest and hash and drops only the body, so the chain stays checkable;
 * fully pruned leading entries are deleted and the last one's hash kept as the anchor. Writes are grouped per
 * turn of the event loop, like the store's group commit.
 */
export class DecisionLog {
  private readonly insert: Database.Statement;
  private readonly writeRows: (rows: LogRow[]) => void;
  private pending: LogRow[] = [];
  private flushScheduled = false;
  private headSeq: number;
  private lastHash: string;
  private last?: { seq: number; event: LoggedEvent; repeats: number; lastAt: unknown };
  /** Why the last write failed, while entries wait in memory; events not even kept there. */
  private failure?: string;
  private dropped = 0;
  private readonly monoStart = performance.now();

  constructor(
    private readonly db: Database.Database,
    private readonly retention: LogRetention,
  ) {
    db.exec(SCHEMA);
    this.insert = db.prepare('INSERT INTO decision_log (seq, wall, mono, type, safety, body, digest, hash) VALUES (@seq, @wall, @mono, @type, @safety, @body, @digest, @hash)');
    this.writeRows = db.transaction((rows: LogRow[]) => {
      for (const row of rows) this.insert.run(row);
    });
    const head = db.prepare('SELECT seq, hash FROM decision_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
    const anchor = db.prepare('SELECT seq, hash FROM decision_log_anchor WHERE id = 1').get() as { seq: number; hash: string } | undefined;
    this.headSeq = head?.seq ?? anchor?.seq ?? 0;
    this.lastHash = head?.hash ?? anchor?.hash ?? GENESIS;
  }

  /** Sequence number of the newest entry. */
  get lastSeq(): number {
    return this.headSeq;
  }

  /** Why entries are waiting in memory (the disk refused them), or undefined when everything is written. */
  get unwritten(): string | undefined {
    return this.failure && `${this.pending.length} entries not written (${this.failure})${this.dropped > 0 ? `, ${this.dropped} events dropped` : ''}`;
  }

  /** Records an event; an exact repeat of the previous one is only counted (written as one `repeated` entry). */
  append(event: LoggedEvent): LogEntry {
    const wall = Date.now();
    const mono = Math.round((performance.now() - this.monoStart) * 1000) / 1000;
    if (this.pending.length >= MAX_UNWRITTEN) {
      // The chain stays whole: a dropped event gets no sequence number, and the count is logged once writes resume.
      this.dropped++;
      return { seq: this.headSeq, wall, mono, event };
    }
    if (this.last && this.last.event.type !== 'repeated' && sameButTime(this.last.event, event)) {
      this.last.repeats++;
      this.last.lastAt = event.at;
      return { seq: this.last.seq, wall, mono, event };
    }
    this.closeRepeats(wall, mono);
    const seq = this.push(wall, mono, event);
    this.last = { seq, event, repeats: 0, lastAt: event.at };
    return { seq, wall, mono, event };
  }

  /**
   * Writes what is pending now (each turn, shutdown, `log verify` in tests). Entries the disk refuses stay pending
   * for the next flush: a full disk must not end the server (issue 11).
   */
  flush(): void {
    const wall = Date.now();
    const mono = Math.round((performance.now() - this.monoStart) * 1000) / 1000;
    this.closeRepeats(wall, mono);
    if (this.pending.length === 0) return;
    try {
      this.writeRows(this.pending);
    } catch (err) {
      this.failure = err instanceof Error ? err.message : String(err);
      return;
    }
    this.pending = [];
    this.failure = undefined;
    if (this.dropped > 0) {
      this.push(wall, mono, { type: 'log-dropped', count: this.dropped, reason: 'the disk refused writes' });
      this.dropped = 0;
    }
  }

  /** Entries after `since` (a sequence number), oldest first; pruned entries come without their event. */
  read(since: number, limit = 1000): LogEntry[] {
    const rows = this.db.prepare('SELECT * FROM decision_log WHERE seq > ? AND body IS NOT NULL ORDER BY seq LIMIT ?').all(since, limit) as LogRow[];
    return [...rows.map(toEntry), ...this.pending.filter((r) => r.seq > since).map(toEntry)].slice(0, limit);
  }

  /** The newest `limit` entries of these types that still have their event, oldest first. */
  readTypes(types: readonly string[], limit: number): LogEntry[] {
    this.flush();
    const rows = this.db
      .prepare(`SELECT * FROM decision_log WHERE type IN (${types.map(() => '?').join(', ')}) AND body IS NOT NULL ORDER BY seq DESC LIMIT ?`)
      .all(...types, limit) as LogRow[];
    return rows.reverse().map(toEntry);
  }

  /** The sequence number of the last entry recorded before `wall` (for `?since=<ISO time>`). */
  seqBefore(wall: number): number {
    this.flush();
    const row = this.db.prepare('SELECT MAX(seq) AS seq FROM decision_log WHERE wall < ?').get(wall) as { seq: number | null };
    return row.seq ?? 0;
  }

  /** Drops bodies past their age, then the oldest beyond `maxEntries` (ordinary before safety), then the dead head. */
  applyRetention(now = Date.now()): { pruned: number; deleted: number } {
    this.flush();
    const { maxAge, safetyMaxAge, maxEntries } = this.retention;
    return this.db.transaction(() => {
      let pruned = this.db.prepare('UPDATE decision_log SET body = NULL WHERE body IS NOT NULL AND safety = 0 AND wall < ?').run(now - maxAge).changes;
      pruned += this.db.prepare('UPDATE decision_log SET body = NULL WHERE body IS NOT NULL AND safety = 1 AND wall < ?').run(now - safetyMaxAge).changes;
      for (const safety of [0, 1]) {
        const kept = (this.db.prepare('SELECT COUNT(*) AS n FROM decision_log WHERE body IS NOT NULL').get() as { n: number }).n;
        if (kept <= maxEntries) break;
        pruned += this.db
          .prepare('UPDATE decision_log SET body = NULL WHERE seq IN (SELECT seq FROM decision_log WHERE body IS NOT NULL AND safety = ? ORDER BY seq LIMIT ?)')
          .run(safety, kept - maxEntries).changes;
      }
      const firstKept = (this.db.prepare('SELECT MIN(seq) AS seq FROM decision_log WHERE body IS NOT NULL').get() as { seq: number | null }).seq ?? this.headSeq;
      const lastDead = this.db.prepare('SELECT seq, hash FROM decision_log WHERE seq < ? ORDER BY seq DESC LIMIT 1').get(firstKept) as { seq: number; hash: string } | undefined;
      let deleted = 0;
      if (lastDead) {
        this.db.prepare('INSERT OR REPLACE INTO decision_log_anchor (id, seq, hash) VALUES (1, ?, ?)').run(lastDead.seq, lastDead.hash);
        deleted = this.db.prepare('DELETE FROM decision_log WHERE seq <= ?').run(lastDead.seq).changes;
      }
      return { pruned, deleted };
    })();
  }

  private closeRepeats(wall: number, mono: number): void {
    if (!this.last || this.last.repeats === 0) return;
    const { seq, repeats, lastAt, event } = this.last;
    this.last = undefined;
    this.push(wall, mono, { type: 'repeated', of: seq, ofType: event.type, count: repeats, lastAt });
  }

  private push(wall: number, mono: number, event: LoggedEvent): number {
    const seq = ++this.headSeq;
    const body = JSON.stringify(event);
    const safety = isSafetyEvent(event) ? 1 : 0;
    const digest = digestOf(seq, wall, mono, event.type, safety, body);
    this.lastHash = chain(this.lastHash, digest);
    this.pending.push({ seq, wall, mono, type: event.type, safety, body, digest, hash: this.lastHash });
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        if (this.db.open) this.flush();
      });
    }
    return seq;
  }
}

/** Stored entries after `after` in sequence order, for the off-box log (a body may be null: pruned). */
export function readLogRows(db: Database.Database, after: number, limit: number): LogRow[] {
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'decision_log'").get();
  return hasTable ? (db.prepare('SELECT * FROM decision_log WHERE seq > ? ORDER BY seq LIMIT ?').all(after, limit) as LogRow[]) : [];
}

/** Writes entries as they are into a log table (the off-box copy, checked by `verifyDecisionLog`). */
export function insertLogRows(db: Database.Database, rows: readonly LogRow[]): void {
  db.exec(SCHEMA);
  const insert = db.prepare('INSERT OR REPLACE INTO decision_log (seq, wall, mono, type, safety, body, digest, hash) VALUES (@seq, @wall, @mono, @type, @safety, @body, @digest, @hash)');
  db.transaction(() => rows.forEach((r) => insert.run(r)))();
}

function toEntry(row: LogRow): LogEntry {
  return { seq: row.seq, wall: row.wall, mono: row.mono, event: JSON.parse(row.body!) as LoggedEvent };
}

/** `home-arbiter log verify`: walks the chain from the anchor and names every edited, removed or re-linked entry. */
export function verifyDecisionLog(db: Database.Database): LogVerification {
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'decision_log'").get();
  if (!hasTable) return { entries: 0, firstSeq: null, lastSeq: null, headHash: GENESIS, problems: [{ seq: 0, problem: 'the store has no decision log' }] };
  const anchor = db.prepare('SELECT seq, hash FROM decision_log_anchor WHERE id = 1').get() as { seq: number; hash: string } | undefined;
  let prevSeq = anchor?.seq ?? 0;
  let prevHash = anchor?.hash ?? GENESIS;
  let firstSeq: number | null = null;
  let entries = 0;
  const problems: LogProblem[] = [];
  for (const row of db.prepare('SELECT * FROM decision_log ORDER BY seq').iterate() as IterableIterator<LogRow>) {
    entries++;
    firstSeq ??= row.seq;
    const gap = row.seq - prevSeq - 1;
    if (gap > 0) {
      problems.push({ seq: prevSeq + 1, problem: gap === 1 ? `entry ${prevSeq + 1} was removed` : `entries ${prevSeq + 1}..${row.seq - 1} were removed` });
    }
    if (row.body !== null && digestOf(row.seq, row.wall, row.mono, row.type, row.safety, row.body) !== row.digest) {
      problems.push({ seq: row.seq, problem: `entry ${row.seq} (${row.type}) was edited: its content does not match its digest` });
    } else if (gap === 0 && chain(prevHash, row.digest) !== row.hash) {
      problems.push({ seq: row.seq, problem: `entry ${row.seq} (${row.type}) does not follow from entry ${row.seq - 1}: the hash chain is broken` });
    }
    prevSeq = row.seq;
    prevHash = row.hash;
  }
  return { entries, firstSeq, lastSeq: entries > 0 ? prevSeq : null, headHash: prevHash, problems };
}
