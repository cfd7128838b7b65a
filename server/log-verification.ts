import type { KeyObject } from 'node:crypto';
import type Database from 'better-sqlite3';
import {
  anchorText,
  CHECKPOINT_EVERY,
  chain,
  checkpointText,
  digestOf,
  GENESIS,
  legacyDigestOf,
  sha256,
  type AnchorRow,
  type CheckpointRow,
  type LogRow,
} from './log-chain';
import type { LogRetention } from './server-config';
import { keyIdOf, signatureValid } from './signing-key';

export interface LogProblem {
  readonly seq: number;
  readonly problem: string;
}

export interface LogVerification {
  readonly entries: number;
  readonly firstSeq: number | null;
  readonly lastSeq: number | null;
  readonly headHash: string;
  /** Checkpoints whose signature was checked (with `publicKey`), and the newest of them. */
  readonly checkpoints: number;
  readonly lastCheckpointSeq: number | null;
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
  /** The server's public key: checkpoints and the anchor must carry its valid signatures. */
  readonly publicKey?: KeyObject;
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
  if (!hasTable) return { entries: 0, firstSeq: null, lastSeq: null, headHash: GENESIS, checkpoints: 0, lastCheckpointSeq: null, problems: [{ seq: 0, problem: 'the store has no decision log' }] };
  const now = options.now ?? Date.now();
  const anchor = db.prepare('SELECT * FROM decision_log_anchor WHERE id = 1').get() as AnchorRow | undefined;
  if (anchor) checkAnchor(anchor, options, now, problems);

  const hashes = new Map<number /* seq */, string>();
  let prevSeq = anchor?.seq ?? 0;
  let prevHash = anchor?.hash ?? GENESIS;
  let firstSeq: number | null = null;
  let entries = 0;
  let hashedBodies = false;
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
    if (options.publicKey || options.exported) hashes.set(row.seq, row.hash);
    prevSeq = row.seq;
    prevHash = row.hash;
  }
  const lastSeq = entries > 0 ? prevSeq : null;

  let checkpoints = 0;
  let lastCheckpointSeq: number | null = null;
  if (options.publicKey) {
    const rows = signedCheckpoints(db);
    for (const c of rows) {
      if (checkCheckpoint(c, 'checkpoint', options.publicKey, hashes, anchor, lastSeq, problems)) {
        checkpoints++;
        lastCheckpointSeq = c.seq;
      }
    }
    const signed = new Set(rows.map((c) => c.seq));
    for (let seq = (Math.floor((anchor?.seq ?? 0) / CHECKPOINT_EVERY) + 1) * CHECKPOINT_EVERY; lastSeq !== null && seq <= lastSeq; seq += CHECKPOINT_EVERY) {
      if (!signed.has(seq)) problems.push({ seq, problem: `the checkpoint at entry ${seq} is missing: the entries it signed may have been rewritten` });
    }
  }
  for (const c of options.exported ?? []) checkCheckpoint(c, 'exported checkpoint', options.publicKey, hashes, anchor, lastSeq, problems);
  problems.sort((a, b) => a.seq - b.seq);
  return { entries, firstSeq, lastSeq, headHash: prevHash, checkpoints, lastCheckpointSeq, problems };
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

/** The anchor replaces deleted entries: it must be signed, and those entries must have been old enough to go. */
function checkAnchor(anchor: AnchorRow, options: VerifyOptions, now: number, problems: LogProblem[]): void {
  const at = anchor.seq;
  if (options.retention) {
    if ((anchor.wall ?? 0) > now - options.retention.maxAge) problems.push({ seq: at, problem: `entries up to ${at} were deleted before their retention age` });
    if ((anchor.safety_wall ?? 0) > now - options.retention.safetyMaxAge) problems.push({ seq: at, problem: `safety entries up to ${at} were deleted before their retention age` });
  }
  if (!options.publicKey) return;
  if (anchor.signature === null || anchor.key_id === null) problems.push({ seq: at, problem: `the anchor at entry ${at} (where the chain starts after deleted entries) is not signed` });
  else if (anchor.key_id !== keyIdOf(options.publicKey) || !signatureValid(options.publicKey, anchorText(anchor), anchor.signature)) {
    problems.push({ seq: at, problem: `the anchor at entry ${at} (where the chain starts after deleted entries) does not carry a valid signature of key ${keyIdOf(options.publicKey)}` });
  }
}

/** A signed hash must verify and still be the chain's hash at its entry; true when it does. */
function checkCheckpoint(
  c: ExportedCheckpoint,
  what: string,
  publicKey: KeyObject | undefined,
  hashes: ReadonlyMap<number, string>,
  anchor: AnchorRow | undefined,
  lastSeq: number | null,
  problems: LogProblem[],
): boolean {
  if (publicKey && (c.keyId !== keyIdOf(publicKey) || !signatureValid(publicKey, checkpointText(c), c.signature))) {
    problems.push({ seq: c.seq, problem: `the ${what} at entry ${c.seq} does not carry a valid signature of key ${keyIdOf(publicKey)}` });
    return false;
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
