import Database from 'better-sqlite3';
import type { KeyObject } from 'node:crypto';
import { readLogRows, writeLogCopy, type LogRow } from '../server/log-chain';
import { verifyDecisionLog, type ExportedCheckpoint, type LogProblem } from '../server/log-verification';
import { NatsLink } from '../cluster/nats-link';
import { LOG_STREAM, logSubject, type OffBoxMessage } from './off-box-log';

export interface OffBoxVerification {
  /** Entries the off-box copy holds, and the newest of them. */
  readonly copied: number;
  readonly copiedUpTo: number;
  readonly checkpoints: number;
  readonly problems: readonly LogProblem[];
}

/** Reads the whole off-box copy of one node's log: its entries and its checkpoints. */
async function readCopy(link: NatsLink, subject: string): Promise<{ rows: LogRow[]; checkpoints: ExportedCheckpoint[] }> {
  const rows: LogRow[] = [];
  const checkpoints: ExportedCheckpoint[] = [];
  const filter = `${subject}.*`;
  const info = await link.jsm.streams.info(LOG_STREAM, { subjects_filter: filter });
  if (!info.state.subjects || Object.keys(info.state.subjects).length === 0) return { rows, checkpoints };
  const consumer = await link.js.consumers.get(LOG_STREAM, { filter_subjects: filter });
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
 * `log verify --against nats://…`: checks the off-box copy on its own (its hash chain, and its checkpoints against
 * the server's public keys: log-verification.ts), then the home's log against it: every checkpoint of the copy must
 * still be in the home's chain, and an entry the copy holds that the home's log lacks was deleted, one whose
 * digest, hash or body differs was rewritten, even when the home's chain was recomputed to pass on its own.
 */
export async function verifyAgainst(local: Database.Database, servers: readonly string[], home: string, node: string, publicKeys: readonly KeyObject[]): Promise<OffBoxVerification> {
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
    writeLogCopy(copyDb, copy.rows, copy.checkpoints.map((c) => ({ seq: c.seq, wall: c.wall, hash: c.hash, key_id: c.keyId, signature: c.signature })));
    for (const p of verifyDecisionLog(copyDb, { publicKeys }).problems) problems.push({ seq: p.seq, problem: `the off-box copy: ${p.problem}` });
  } finally {
    copyDb.close();
  }

  problems.push(...verifyDecisionLog(local, { publicKeys, exported: copy.checkpoints }).problems);
  const localRows = new Map(readLogRows(local, 0, Number.MAX_SAFE_INTEGER).map((r) => [r.seq, r]));
  const anchor = (local.prepare("SELECT 1 FROM sqlite_master WHERE name = 'decision_log_anchor'").get() ? (local.prepare('SELECT seq FROM decision_log_anchor WHERE id = 1').get() as { seq: number } | undefined)?.seq : undefined) ?? 0;
  for (const remote of copy.rows) {
    const mine = localRows.get(remote.seq);
    if (!mine) {
      if (remote.seq > anchor) problems.push({ seq: remote.seq, problem: `entry ${remote.seq} (${remote.type}) is in the off-box copy but was deleted from the home's log` });
    } else if (mine.digest !== remote.digest || mine.hash !== remote.hash || (mine.body !== null && remote.body !== null && mine.body !== remote.body)) {
      problems.push({ seq: remote.seq, problem: `entry ${remote.seq} (${remote.type}) was rewritten: it differs from the off-box copy` });
    }
  }
  problems.sort((a, b) => a.seq - b.seq);
  return { copied: copy.rows.length, copiedUpTo: copy.rows.at(-1)?.seq ?? 0, checkpoints: copy.checkpoints.length, problems };
}
