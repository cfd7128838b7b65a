import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';

/**
 * The decision log's tables and the arithmetic of its hash chain, shared by the writer (decision-log.ts) and
 * `log verify` (log-verification.ts).
 *
 * An entry's digest covers every column but the chain, with its body as the body's sha256 (`body_hash`), so that
 * a pruned entry (body dropped, hash kept) still proves its type, time and safety class. Its hash is
 * sha256(previous hash + digest). Entries written before `body_hash` existed digest the body itself (and cannot
 * be checked once pruned). Checkpoints sign the head's hash with the server's Ed25519 key; the anchor, which
 * replaces the deleted oldest entries, is signed too, with the newest time among what it replaced.
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS decision_log (
  seq INTEGER PRIMARY KEY, wall INTEGER NOT NULL, mono REAL NOT NULL, type TEXT NOT NULL, safety INTEGER NOT NULL,
  body TEXT, digest TEXT NOT NULL, hash TEXT NOT NULL, body_hash TEXT);
CREATE INDEX IF NOT EXISTS decision_log_wall ON decision_log (wall);
CREATE TABLE IF NOT EXISTS decision_log_anchor (
  id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL,
  wall INTEGER, safety_wall INTEGER, key_id TEXT, signature TEXT);
CREATE TABLE IF NOT EXISTS decision_log_checkpoint (
  seq INTEGER PRIMARY KEY, wall INTEGER NOT NULL, hash TEXT NOT NULL, key_id TEXT NOT NULL, signature TEXT NOT NULL);
`;

/** Creates the tables, and adds the columns a log written by an older version lacks. */
export function migrateLog(db: Database.Database): void {
  db.exec(SCHEMA);
  const columns = (table: string) => new Set((db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name));
  if (!columns('decision_log').has('body_hash')) db.exec('ALTER TABLE decision_log ADD COLUMN body_hash TEXT');
  const anchor = columns('decision_log_anchor');
  for (const [name, type] of [['wall', 'INTEGER'], ['safety_wall', 'INTEGER'], ['key_id', 'TEXT'], ['signature', 'TEXT']]) {
    if (!anchor.has(name)) db.exec(`ALTER TABLE decision_log_anchor ADD COLUMN ${name} ${type}`);
  }
}

export interface LogRow {
  seq: number;
  wall: number;
  mono: number;
  type: string;
  safety: number;
  body: string | null;
  /** null for an entry written before bodies were hashed on their own. */
  body_hash: string | null;
  digest: string;
  hash: string;
}

export interface AnchorRow {
  seq: number;
  hash: string;
  /** Newest wall time among the entries the anchor replaced, and among their safety entries (0: none). */
  wall: number | null;
  safety_wall: number | null;
  key_id: string | null;
  signature: string | null;
}

export interface CheckpointRow {
  seq: number;
  wall: number;
  hash: string;
  key_id: string;
  signature: string;
}

export const GENESIS = '0'.repeat(64);
/** A checkpoint is signed at every multiple of this sequence number, at each stop, and hourly when the head moved. */
export const CHECKPOINT_EVERY = 1000;

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
export const digestOf = (row: Pick<LogRow, 'seq' | 'wall' | 'mono' | 'type' | 'safety'>, bodyHash: string) =>
  sha256(JSON.stringify([row.seq, row.wall, row.mono, row.type, row.safety, bodyHash]));
/** The digest of an entry written before `body_hash`: over the body itself. */
export const legacyDigestOf = (row: Pick<LogRow, 'seq' | 'wall' | 'mono' | 'type' | 'safety'>, body: string) =>
  sha256(JSON.stringify([row.seq, row.wall, row.mono, row.type, row.safety, body]));
export const chain = (prevHash: string, digest: string) => sha256(prevHash + digest);

/** What a checkpoint's signature covers: the chain's hash at `seq`, and when it was signed. */
export const checkpointText = (c: Pick<CheckpointRow, 'seq' | 'hash' | 'wall'>) => `home-arbiter decision-log checkpoint\n${c.seq}\n${c.hash}\n${c.wall}`;
/** What the anchor's signature covers: where the chain now starts, and how recent the entries it replaced were. */
export const anchorText = (a: Pick<AnchorRow, 'seq' | 'hash' | 'wall' | 'safety_wall'>) =>
  `home-arbiter decision-log anchor\n${a.seq}\n${a.hash}\n${a.wall ?? 0}\n${a.safety_wall ?? 0}`;

/** The entry type that hands signing over to a new key (`log rotate-key`): its body is a `KeyRotation`. */
export const KEY_ROTATED = 'key-rotated';

/** A `key-rotated` entry's body: the new key, signed by the one it replaces. */
export interface KeyRotation {
  readonly previousKeyId: string;
  readonly keyId: string;
  /** The new public key (SubjectPublicKeyInfo, PEM): a verifier who trusts the previous key learns it here. */
  readonly publicKey: string;
  /** The previous key's signature over `rotationText`. */
  readonly signature: string;
}

/**
 * What the previous key signs when it hands over: where in the chain (the entry's number and the hash before it)
 * and to which key, so that holding the new key alone cannot rewrite the history before, nor move the handover.
 */
export const rotationText = (r: Pick<KeyRotation, 'previousKeyId' | 'keyId' | 'publicKey'> & { seq: number; prevHash: string }) =>
  `home-arbiter decision-log key rotation\n${r.seq}\n${r.prevHash}\n${r.previousKeyId}\n${r.keyId}\n${r.publicKey}`;

/** Stored entries after `after`, in sequence order, as the table holds them (the off-box log forwards them). */
export function readLogRows(db: Database.Database, after: number, limit: number): LogRow[] {
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'decision_log'").get();
  return hasTable ? (db.prepare('SELECT * FROM decision_log WHERE seq > ? ORDER BY seq LIMIT ?').all(after, limit) as LogRow[]) : [];
}

/** Writes entries and checkpoints as they are into a log's tables: a copy, checked by `verifyDecisionLog`. */
export function writeLogCopy(db: Database.Database, rows: readonly LogRow[], checkpoints: readonly CheckpointRow[]): void {
  migrateLog(db);
  const entry = db.prepare('INSERT OR REPLACE INTO decision_log (seq, wall, mono, type, safety, body, body_hash, digest, hash) VALUES (@seq, @wall, @mono, @type, @safety, @body, @body_hash, @digest, @hash)');
  const checkpoint = db.prepare('INSERT OR REPLACE INTO decision_log_checkpoint (seq, wall, hash, key_id, signature) VALUES (@seq, @wall, @hash, @key_id, @signature)');
  db.transaction(() => {
    for (const r of rows) entry.run(r);
    for (const c of checkpoints) checkpoint.run(c);
  })();
}
