import type Database from 'better-sqlite3';
import { anchorText, CHECKPOINT_EVERY, chain, checkpointText, digestOf, GENESIS, KEY_ROTATED, migrateLog, rotationText, sha256, type AnchorRow, type KeyRotation, type LogRow } from './log-chain';
import type { LogRetention } from './server-config';
import type { LogSigner } from './signing-key';

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

/** Entries kept in memory while the disk refuses them; beyond, events are counted, then logged as `log-dropped`. */
const MAX_UNWRITTEN = 50_000;

/**
 * The issue's safety events, kept longest: life-category claims, alarms, denials, faults and their kin. An alarm's
 * acknowledgement is kept as long as the alarm, or a restart would find the alarm unacknowledged.
 */
const SAFETY_TYPES = new Set(['alarm', 'alarm-acknowledged', 'denied', 'degraded', 'revoked', 'fault', 'auth-lockout', 'clock-jump', 'plugin-refused', 'plugin-ended', 'lifetime-warning']);
export function isSafetyEvent(event: LoggedEvent): boolean {
  return SAFETY_TYPES.has(event.type) || event.category === 'life';
}

/** Two events are repeats when they differ only in engine time. */
const sameButTime = (a: LoggedEvent, b: LoggedEvent) => JSON.stringify({ ...a, at: 0 }) === JSON.stringify({ ...b, at: 0 });

/**
 * The decision log: every event appended to SQLite with a hash chain (log-chain.ts). Pruning drops only a body
 * past its retention age and keeps its digest and hash, so the chain stays checkable; fully pruned leading
 * entries are deleted and replaced by a signed anchor. With a signer, the chain's hash is signed at every
 * `CHECKPOINT_EVERY`-th entry, at stop and hourly, so that `log verify --public-key` tells a rewritten chain from
 * the server's own. Writes are grouped per turn of the event loop, like the store's group commit.
 */
export class DecisionLog {
  private readonly writeRows: (rows: LogRow[]) => void;
  private readonly insertCheckpoint: Database.Statement;
  private pending: LogRow[] = [];
  private flushScheduled = false;
  private headSeq: number;
  private lastHash: string;
  private checkpointedSeq: number;
  private last?: { seq: number; event: LoggedEvent; repeats: number; lastAt: unknown };
  /** Why the last write failed, while entries wait in memory; events not even kept there. */
  private failure?: string;
  private dropped = 0;
  private readonly monoStart = performance.now();

  constructor(
    private readonly db: Database.Database,
    private readonly retention: LogRetention,
    /** Absent: nothing is signed (a store in memory, or a test of the chain alone). Replaced by `rotateSigner`. */
    private signer?: LogSigner,
  ) {
    migrateLog(db);
    const insert = db.prepare('INSERT INTO decision_log (seq, wall, mono, type, safety, body, body_hash, digest, hash) VALUES (@seq, @wall, @mono, @type, @safety, @body, @body_hash, @digest, @hash)');
    this.insertCheckpoint = db.prepare('INSERT OR REPLACE INTO decision_log_checkpoint (seq, wall, hash, key_id, signature) VALUES (?, ?, ?, ?, ?)');
    this.writeRows = db.transaction((rows: LogRow[]) => {
      for (const row of rows) {
        insert.run(row);
        if (row.seq % CHECKPOINT_EVERY === 0) this.sign(row.seq, row.hash);
      }
    });
    const head = db.prepare('SELECT seq, hash FROM decision_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
    const anchor = db.prepare('SELECT seq, hash FROM decision_log_anchor WHERE id = 1').get() as { seq: number; hash: string } | undefined;
    this.headSeq = head?.seq ?? anchor?.seq ?? 0;
    this.lastHash = head?.hash ?? anchor?.hash ?? GENESIS;
    this.checkpointedSeq = (db.prepare('SELECT MAX(seq) AS seq FROM decision_log_checkpoint').get() as { seq: number | null }).seq ?? 0;
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
    const signed = this.signer && this.pending.filter((r) => r.seq % CHECKPOINT_EVERY === 0).at(-1);
    if (signed) this.checkpointedSeq = signed.seq;
    this.pending = [];
    this.failure = undefined;
    if (this.dropped > 0) {
      this.push(wall, mono, { type: 'log-dropped', count: this.dropped, reason: 'the disk refused writes' });
      this.dropped = 0;
    }
  }

  /**
   * Writes what is pending and signs the head, unless it is signed already (at stop, and hourly). While the disk
   * refuses writes there is no head on disk to sign: the next checkpoint does it.
   */
  checkpoint(): void {
    this.flush();
    if (!this.signer || this.pending.length > 0 || this.headSeq <= this.checkpointedSeq) return;
    this.sign(this.headSeq, this.lastHash);
    this.checkpointedSeq = this.headSeq;
  }

  /** Entries after `since` (a sequence number), oldest first; pruned entries are left out. */
  read(since: number, limit = 1000): LogEntry[] {
    return [...this.entries(since, limit)];
  }

  /** The same entries, read from the file only as far as they are consumed (the live stream stops at a slow client). */
  *entries(since: number, limit = 1000): Generator<LogEntry> {
    let count = 0;
    for (const row of this.db.prepare('SELECT * FROM decision_log WHERE seq > ? AND body IS NOT NULL ORDER BY seq LIMIT ?').iterate(since, limit) as IterableIterator<LogRow>) {
      count++;
      yield toEntry(row);
    }
    for (const row of this.pending) {
      if (count >= limit) return;
      if (row.seq <= since) continue;
      count++;
      yield toEntry(row);
    }
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

  /**
   * Drops bodies past their retention age (`maxAge`, or `safetyMaxAge` for safety entries), never sooner, then
   * deletes the fully pruned oldest entries and puts a signed anchor in their place.
   */
  applyRetention(now = Date.now()): { pruned: number; deleted: number } {
    this.flush();
    const { maxAge, safetyMaxAge } = this.retention;
    return this.db.transaction(() => {
      // A key rotation keeps its body (the new key) until it is deleted with the entries before it: a verifier
      // needs it for every checkpoint after it, and once it is deleted the anchor is signed by a later key.
      const prunable = `body IS NOT NULL AND type != '${KEY_ROTATED}'`;
      let pruned = this.db.prepare(`UPDATE decision_log SET body = NULL WHERE ${prunable} AND safety = 0 AND wall < ?`).run(now - maxAge).changes;
      pruned += this.db.prepare(`UPDATE decision_log SET body = NULL WHERE ${prunable} AND safety = 1 AND wall < ?`).run(now - safetyMaxAge).changes;
      const firstKept = (this.db.prepare(`SELECT MIN(seq) AS seq FROM decision_log WHERE ${prunable}`).get() as { seq: number | null }).seq ?? this.headSeq;
      const lastDead = this.db.prepare('SELECT seq, hash FROM decision_log WHERE seq < ? ORDER BY seq DESC LIMIT 1').get(firstKept) as { seq: number; hash: string } | undefined;
      if (!lastDead) return { pruned, deleted: 0 };
      const newest = (safety: string) => (this.db.prepare(`SELECT MAX(wall) AS wall FROM decision_log WHERE seq <= ? ${safety}`).get(lastDead.seq) as { wall: number | null }).wall ?? 0;
      const previous = this.db.prepare('SELECT wall, safety_wall FROM decision_log_anchor WHERE id = 1').get() as Pick<AnchorRow, 'wall' | 'safety_wall'> | undefined;
      const anchor = {
        seq: lastDead.seq,
        hash: lastDead.hash,
        wall: Math.max(newest(''), previous?.wall ?? 0),
        safety_wall: Math.max(newest('AND safety = 1'), previous?.safety_wall ?? 0),
      };
      this.writeAnchor(anchor);
      const deleted = this.db.prepare('DELETE FROM decision_log WHERE seq <= ?').run(lastDead.seq).changes;
      this.db.prepare('DELETE FROM decision_log_checkpoint WHERE seq <= ?').run(lastDead.seq);
      return { pruned, deleted };
    })();
  }

  /**
   * Hands signing over to `next` (`log rotate-key`): a `key-rotated` entry naming it, signed by the current key
   * over the chain's hash before it, so that whoever holds `next` alone cannot rewrite what came before; then
   * `next` signs the head, and the anchor (always signed by the newest key). One transaction: all or nothing.
   */
  rotateSigner(next: LogSigner, publicKey: string): number {
    const previous = this.signer;
    if (!previous) throw new Error('the decision log has no signing key to rotate');
    const rotate = this.db.transaction(() => {
      this.flush();
      if (this.failure) throw new Error(`the decision log cannot be written: ${this.unwritten}`);
      const handover = { seq: this.headSeq + 1, prevHash: this.lastHash, previousKeyId: previous.keyId, keyId: next.keyId, publicKey };
      const rotation: KeyRotation = { previousKeyId: previous.keyId, keyId: next.keyId, publicKey, signature: previous.sign(rotationText(handover)) };
      const { seq } = this.append({ type: KEY_ROTATED, at: Date.now(), ...rotation });
      this.signer = next;
      this.checkpoint();
      if (this.failure || seq !== handover.seq) throw new Error(`the key rotation could not be written at entry ${handover.seq}: ${this.unwritten ?? `it became entry ${seq}`}`);
      const anchor = this.db.prepare('SELECT seq, hash, wall, safety_wall FROM decision_log_anchor WHERE id = 1').get() as Omit<AnchorRow, 'key_id' | 'signature'> | undefined;
      if (anchor) this.writeAnchor(anchor);
      return seq;
    });
    try {
      return rotate();
    } catch (err) {
      // Rolled back: the store still names the previous key, and so must this log.
      this.signer = previous;
      throw err;
    }
  }

  private writeAnchor(anchor: Omit<AnchorRow, 'key_id' | 'signature'>): void {
    this.db
      .prepare('INSERT OR REPLACE INTO decision_log_anchor (id, seq, hash, wall, safety_wall, key_id, signature) VALUES (1, @seq, @hash, @wall, @safety_wall, @key_id, @signature)')
      .run({ ...anchor, key_id: this.signer?.keyId ?? null, signature: this.signer?.sign(anchorText(anchor)) ?? null });
  }

  private sign(seq: number, hash: string): void {
    if (!this.signer) return;
    const checkpoint = { seq, hash, wall: Date.now() };
    this.insertCheckpoint.run(seq, checkpoint.wall, hash, this.signer.keyId, this.signer.sign(checkpointText(checkpoint)));
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
    const row = { seq, wall, mono, type: event.type, safety: isSafetyEvent(event) ? 1 : 0, body, body_hash: sha256(body) };
    const digest = digestOf(row, row.body_hash);
    this.lastHash = chain(this.lastHash, digest);
    this.pending.push({ ...row, digest, hash: this.lastHash });
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

function toEntry(row: LogRow): LogEntry {
  return { seq: row.seq, wall: row.wall, mono: row.mono, event: JSON.parse(row.body!) as LoggedEvent };
}
