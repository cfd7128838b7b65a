import Database from 'better-sqlite3';
import type { KeyObject } from 'node:crypto';
import { insertLogRows, readLogRows, verifyDecisionLog, type LogProblem, type LogRow } from '../server/decision-log';
import { NatsLink } from '../cluster/nats-link';
import { checkpointValid, type LogCheckpoint, type LogSigner } from './log-signer';
import { LOG_STREAM, logSubject, type OffBoxMessage } from './off-box-log';

export interface OffBoxVerification {
  /** Entries the off-box copy holds, and the newest of them. */
  readonly copied: number;
  readonly copiedUpTo: number;
  readonly checkpoints: number;
  readonly problems: readonly LogProblem[];
}

/** Reads the whole off-box copy of one node's log. */
async function readCopy(link: NatsLink, subject: string): Promise<{ rows: LogRow[]; checkpoints: LogCheckpoint[] }> {
  const rows: LogRow[] = [];
  const checkpoints: LogCheckpoint[] = [];
  const info = await link.jsm.streams.info(LOG_STREAM, { subjects_filter: subject });
  if (!info.state.subjects?.[subject]) return { rows, checkpoints };
  const consumer = await link.js.consumers.get(LOG_STREAM, { filter_subjects: subject });
  for (;;) {
    const batch = await consumer.fetch({ max_messages: 1000, expires: 1000 });
    let got = 0;
    let pending = 0;
    for await (const m of batch) {
      got++;
      pending = m.info.pending;
      const message = m.json<OffBoxMessage>();
      if (message.row) rows.push(message.row);
      if (message.checkpoint) checkpoints.push(message.checkpoint);
    }
    if (got === 0 || pending === 0) return { rows, checkpoints };
  }
}

/**
 * `log verify --against nats://…`: checks the off-box copy on its own (its hash chain, and each checkpoint's
 * signature by the home's key and its hash), then compares the home's log with it: an entry the copy holds that
 * the home's log lacks was deleted, one whose digest or hash differs was rewritten.
 */
export async function verifyAgainst(local: Database.Database, servers: readonly string[], home: string, node: string, signer: LogSigner): Promise<OffBoxVerification> {
  const link = await NatsLink.open(servers, `home-arbiter log verify ${home}`);
  let copy: Awaited<ReturnType<typeof readCopy>>;
  try {
    copy = await readCopy(link, logSubject(home, node));
  } finally {
    await link.close();
  }
  const problems: LogProblem[] = [];
  const copyDb = new Database(':memory:');
  try {
    insertLogRows(copyDb, copy.rows);
    for (const p of verifyDecisionLog(copyDb).problems) problems.push({ seq: p.seq, problem: `the off-box copy: ${p.problem}` });
  } finally {
    copyDb.close();
  }
  const copied = new Map(copy.rows.map((r) => [r.seq, r]));
  checkCheckpoints(copy.checkpoints, copied, signer.publicKey, problems);

  const localRows = new Map(readLogRows(local, 0, Number.MAX_SAFE_INTEGER).map((r) => [r.seq, r]));
  const anchor = (local.prepare("SELECT 1 FROM sqlite_master WHERE name = 'decision_log_anchor'").get() ? (local.prepare('SELECT seq FROM decision_log_anchor WHERE id = 1').get() as { seq: number } | undefined)?.seq : undefined) ?? 0;
  for (const p of verifyDecisionLog(local).problems) problems.push(p);
  for (const remote of copy.rows) {
    const mine = localRows.get(remote.seq);
    if (!mine) {
      if (remote.seq > anchor) problems.push({ seq: remote.seq, problem: `entry ${remote.seq} (${remote.type}) is in the off-box copy but was deleted from the home's log` });
    } else if (mine.digest !== remote.digest || mine.hash !== remote.hash || (mine.body !== null && mine.body !== remote.body)) {
      problems.push({ seq: remote.seq, problem: `entry ${remote.seq} (${remote.type}) was rewritten: it differs from the off-box copy` });
    }
  }
  problems.sort((a, b) => a.seq - b.seq);
  return { copied: copy.rows.length, copiedUpTo: copy.rows.at(-1)?.seq ?? 0, checkpoints: copy.checkpoints.length, problems };
}

function checkCheckpoints(checkpoints: readonly LogCheckpoint[], copied: ReadonlyMap<number, LogRow>, key: KeyObject, problems: LogProblem[]): void {
  for (const c of checkpoints) {
    if (!checkpointValid(c, key)) problems.push({ seq: c.seq, problem: `the checkpoint at entry ${c.seq} is not signed by this home's key` });
    else if (copied.has(c.seq) && copied.get(c.seq)!.hash !== c.hash) problems.push({ seq: c.seq, problem: `the off-box copy's entry ${c.seq} does not have the hash its signed checkpoint names` });
  }
}

