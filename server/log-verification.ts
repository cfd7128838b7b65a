import type { KeyObject } from 'node:crypto';
import type Database from 'better-sqlite3';
import {
  anchorText,
  CHECKPOINT_EVERY,
  chain,
  checkpointText,
  digestOf,
  GENESIS,
  KEY_ROTATED,
  legacyDigestOf,
  sha256,
  type AnchorRow,
  type CheckpointRow,
  type KeyRotation,
  type LogRow,
} from './log-chain';
import { KeySchedule, type ChainRotation } from './key-schedule';
import type { LogRetention } from './server-config';
import { signatureValid } from './signing-key';

export interface LogProblem {
  readonly seq: number;
  readonly problem: string;
}

export interface LogVerification {
  readonly entries: number;
  readonly firstSeq: number | null;
  readonly lastSeq: number | null;
  readonly headHash: string;
  /** Checkpoints whose signature was checked (with `publicKeys`), and the newest of them. */
  readonly checkpoints: number;
  readonly lastCheckpointSeq: number | null;
  /** With `publicKeys`: the keys that sign the log, each from its entry on (more than one after `log rotate-key`). */
  readonly keys: readonly { readonly keyId: string; readonly from: number }[];
  readonly problems: readonly LogProblem[];
}

/** An exported checkpoint (`log checkpoints`), as kept elsewhere. */
export interface ExportedCheckpoint {
  readonly seq: number;
  readonly wall: number;
  readonly hash: string;
  readonly keyId: string;
  readonly signature: string;
}

export interface VerifyOptions {
  /** The ages a body must reach before it may be pruned; without them, pruned bodies are not judged. */
  readonly retention?: LogRetention;
  /**
   * The server's public keys (one, or several across key rotations; the oldest is enough to follow the chain's
   * rotations forward): checkpoints and the anchor must carry valid signatures of the key in force there.
   */
  readonly publicKeys?: readonly KeyObject[];
  /** Checkpoints exported earlier: each must still be in the chain, so that cutting off the newest entries shows. */
  readonly exported?: readonly ExportedCheckpoint[];
  readonly now?: number;
}

const DAY = 86_400_000;

/**
 * `home-arbiter log verify` (issue 10, item 9): walks the chain from the anchor and names every entry that was
 * edited, removed, re-linked or pruned before its retention age; with the public key, also every checkpoint or
 * anchor whose signature does not verify, every signed hash the chain no longer has, and every missing checkpoint.
 */
export function verifyDecisionLog(db: Database.Database, options: VerifyOptions = {}): LogVerification {
  const problems: LogProblem[] = [];
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'decision_log'").get();
  if (!hasTable) return { entries: 0, firstSeq: null, lastSeq: null, headHash: GENESIS, checkpoints: 0, lastCheckpointSeq: null, keys: [], problems: [{ seq: 0, problem: 'the store has no decision log' }] };
  const now = options.now ?? Date.now();
  const anchor = db.prepare('SELECT * FROM decision_log_anchor WHERE id = 1').get() as AnchorRow | undefined;
  if (anchor) checkAnchorAge(anchor, options, now, problems);
  const signed = options.publicKeys !== undefined;

  const hashes = new Map<number /* seq */, string>();
  let prevSeq = anchor?.seq ?? 0;
  let prevHash = anchor?.hash ?? GENESIS;
  let firstSeq: number | null = null;
  let entries = 0;
  let hashedBodies = false;
  const rotations: ChainRotation[] = [];
  for (const row of db.prepare('SELECT * FROM decision_log ORDER BY seq').iterate() as IterableIterator<LogRow>) {
    entries++;
    firstSeq ??= row.seq;
    const gap = row.seq - prevSeq - 1;
    if (gap > 0) problems.push({ seq: prevSeq + 1, problem: gap === 1 ? `entry ${prevSeq + 1} was removed` : `entries ${prevSeq + 1}..${row.seq - 1} were removed` });
    const edit = entryEdit(row, hashedBodies);
    hashedBodies ||= row.body_hash !== null;
    if (edit) problems.push({ seq: row.seq, problem: `entry ${row.seq} (${row.type}) was edited: ${edit}` });
    else if (gap === 0 && chain(prevHash, row.digest) !== row.hash) {
      problems.push({ seq: row.seq, problem: `entry ${row.seq} (${row.type}) does not follow from entry ${row.seq - 1}: the hash chain is broken` });
    }
    const keep = row.safety ? options.retention?.safetyMaxAge : options.retention?.maxAge;
    if (row.body === null && keep !== undefined && row.wall > now - keep) {
      problems.push({ seq: row.seq, problem: `entry ${row.seq} (${row.type}) lost its body after ${days(now - row.wall)}, before its retention age of ${days(keep)}` });
    }
    if (signed || options.exported) hashes.set(row.seq, row.hash);
    if (signed && row.type === KEY_ROTATED) {
      const rotation = readRotation(row, prevHash);
      if (typeof rotation === 'string') problems.push({ seq: row.seq, problem: `the key rotation at entry ${row.seq} ${rotation}` });
      else rotations.push(rotation);
    }
    prevSeq = row.seq;
    prevHash = row.hash;
  }
  const lastSeq = entries > 0 ? prevSeq : null;

  let checkpoints = 0;
  let lastCheckpointSeq: number | null = null;
  let schedule: KeySchedule | undefined;
  if (options.publicKeys) {
    const rows = signedCheckpoints(db);
    schedule = KeySchedule.of(options.publicKeys, rotations, anchor?.key_id ?? rows[0]?.keyId, lastSeq ?? anchor?.seq ?? 0, anchor !== undefined, problems);
    if (anchor) checkAnchorSignature(anchor, schedule, problems);
    for (const c of rows) {
      if (checkCheckpoint(c, 'checkpoint', schedule, hashes, anchor, lastSeq, problems)) {
        checkpoints++;
        lastCheckpointSeq = c.seq;
      }
    }
    const signed = new Set(rows.map((c) => c.seq));
    for (let seq = (Math.floor((anchor?.seq ?? 0) / CHECKPOINT_EVERY) + 1) * CHECKPOINT_EVERY; lastSeq !== null && seq <= lastSeq; seq += CHECKPOINT_EVERY) {
      if (!signed.has(seq)) problems.push({ seq, problem: `the checkpoint at entry ${seq} is missing: the entries it signed may have been rewritten` });
    }
  }
  for (const c of options.exported ?? []) checkCheckpoint(c, 'exported checkpoint', schedule, hashes, anchor, lastSeq, problems);
  problems.sort((a, b) => a.seq - b.seq);
  const keys = schedule?.keys.map(({ keyId, from }) => ({ keyId, from })) ?? [];
  return { entries, firstSeq, lastSeq, headHash: prevHash, checkpoints, lastCheckpointSeq, keys, problems };
}

/** The store's checkpoints after `since`, oldest first: what `log checkpoints` exports, to be kept elsewhere. */
export function signedCheckpoints(db: Database.Database, since = 0): ExportedCheckpoint[] {
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'decision_log_checkpoint'").get();
  if (!hasTable) return [];
  const rows = db.prepare('SELECT * FROM decision_log_checkpoint WHERE seq > ? ORDER BY seq').all(since) as CheckpointRow[];
  return rows.map((c) => ({ seq: c.seq, wall: c.wall, hash: c.hash, keyId: c.key_id, signature: c.signature }));
}

/** Why an entry's columns do not match its digest, or undefined. */
function entryEdit(row: LogRow, hashedBodies: boolean): string | undefined {
  if (row.body_hash === null) {
    // Written before bodies were hashed on their own; after such entries, one in the old form is a rewrite.
    if (hashedBodies) return 'it is in the old digest form among entries in the new one';
    return row.body !== null && legacyDigestOf(row, row.body) !== row.digest ? 'its content does not match its digest' : undefined;
  }
  if (row.body !== null && sha256(row.body) !== row.body_hash) return 'its content does not match its digest';
  if (digestOf(row, row.body_hash) !== row.digest) return 'its type, time or safety class does not match its digest';
  return undefined;
}

/** The anchor replaces deleted entries: those entries must have been old enough to go. */
function checkAnchorAge(anchor: AnchorRow, options: VerifyOptions, now: number, problems: LogProblem[]): void {
  const at = anchor.seq;
  if (!options.retention) return;
  if ((anchor.wall ?? 0) > now - options.retention.maxAge) problems.push({ seq: at, problem: `entries up to ${at} were deleted before their retention age` });
  if ((anchor.safety_wall ?? 0) > now - options.retention.safetyMaxAge) problems.push({ seq: at, problem: `safety entries up to ${at} were deleted before their retention age` });
}

/** The anchor must be signed by the newest key (retention and `log rotate-key` sign it anew). */
function checkAnchorSignature(anchor: AnchorRow, schedule: KeySchedule, problems: LogProblem[]): void {
  const at = anchor.seq;
  const { keyId, publicKey } = schedule.newest;
  if (anchor.signature === null || anchor.key_id === null) problems.push({ seq: at, problem: `the anchor at entry ${at} (where the chain starts after deleted entries) is not signed` });
  else if (publicKey && (anchor.key_id !== keyId || !signatureValid(publicKey, anchorText(anchor), anchor.signature))) {
    problems.push({ seq: at, problem: `the anchor at entry ${at} (where the chain starts after deleted entries) does not carry a valid signature of key ${keyId}` });
  }
}

/** A `key-rotated` entry's handover, or why it cannot be read. */
function readRotation(row: LogRow, prevHash: string): ChainRotation | string {
  if (row.body === null) return 'lost its body: the key it hands over to is unknown';
  let r: Partial<KeyRotation>;
  try {
    r = JSON.parse(row.body) as Partial<KeyRotation>;
  } catch {
    return 'is not JSON';
  }
  if (typeof r.previousKeyId !== 'string' || typeof r.keyId !== 'string' || typeof r.publicKey !== 'string' || typeof r.signature !== 'string') {
    return 'does not name previousKeyId, keyId, publicKey and signature';
  }
  return { seq: row.seq, prevHash, previousKeyId: r.previousKeyId, keyId: r.keyId, publicKey: r.publicKey, signature: r.signature };
}

/** A signed hash must verify and still be the chain's hash at its entry; true when it does. */
function checkCheckpoint(
  c: ExportedCheckpoint,
  what: string,
  schedule: KeySchedule | undefined,
  hashes: ReadonlyMap<number, string>,
  anchor: AnchorRow | undefined,
  lastSeq: number | null,
  problems: LogProblem[],
): boolean {
  if (schedule) {
    const { keyId, publicKey } = schedule.at(c.seq);
    if (!publicKey) return false; // the schedule named the key it needs
    const wrong = schedule.wrongKey(c.seq, c.keyId) ?? (signatureValid(publicKey, checkpointText(c), c.signature) ? undefined : `does not carry a valid signature of key ${keyId}`);
    if (wrong) {
      problems.push({ seq: c.seq, problem: `the ${what} at entry ${c.seq} ${wrong}` });
      return false;
    }
  }
  const hash = c.seq === anchor?.seq ? anchor.hash : hashes.get(c.seq);
  if (c.seq < (anchor?.seq ?? 0)) return true; // deleted by retention: the anchor vouches for it
  if (hash === undefined && (lastSeq === null || c.seq > lastSeq)) {
    problems.push({ seq: c.seq, problem: `the ${what} at entry ${c.seq} is beyond the end of the log (${lastSeq ?? 'empty'}): the newest entries were removed` });
    return false;
  }
  if (hash !== c.hash) {
    problems.push({ seq: c.seq, problem: `the ${what} at entry ${c.seq} signed another hash than the chain has there: the entries up to it were rewritten` });
    return false;
  }
  return true;
}

function days(ms: number): string {
  return ms >= DAY ? `${Math.round(ms / DAY)} d` : `${Math.round(ms / 60_000)} min`;
}
