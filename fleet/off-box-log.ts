import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { readLogRows, type LogRow } from '../server/log-chain';
import { signedCheckpoints, type ExportedCheckpoint } from '../server/log-verification';
import type { NatsLink } from '../cluster/nats-link';

export const LOG_STREAM = 'ARBITER_LOG';
/** One node's log in the stream: its entries and its checkpoints, each on a subject of its own. */
export const logSubject = (home: string, node: string) => `arbiter.log.${home}.${node}`;
export const entriesSubject = (subject: string) => `${subject}.entries`;
export const checkpointsSubject = (subject: string) => `${subject}.checkpoints`;

/** One message of the off-box log: an entry as stored, or a checkpoint the server signed (log-chain.ts). */
export interface OffBoxMessage {
  readonly row?: LogRow;
  readonly checkpoint?: ExportedCheckpoint;
}

const POLL_MS = 250;
const READ_AT_ONCE = 500;

/**
 * Store and forward of the decision log to a JetStream stream outside the home. It tails the log's table (the
 * entries as stored, with their digest and chain hash) and its checkpoints (signed by the server's key, every
 * 1,000th entry, hourly and at stop), and publishes them one at a time, in order, each with its sequence number in
 * the message id; a checkpoint only once its entry is out. After an outage (or a restart) it asks the stream for
 * the last entry and checkpoint it holds and resumes after them, so nothing is lost and nothing is sent twice.
 */
export class OffBoxLog {
  private db?: Database.Database;
  private sent?: number;
  private sentCheckpoint?: number;
  private timer?: NodeJS.Timeout;
  private pumping?: Promise<void>;

  constructor(
    private readonly link: NatsLink,
    private readonly storeFile: string,
    private readonly subject: string,
  ) {}

  /** The newest entry the stream has confirmed, once known. */
  get forwarded(): number | undefined {
    return this.sent;
  }

  start(): void {
    this.timer ??= setInterval(() => this.nudge(), POLL_MS);
  }

  /** Forwards what is new now (also called when an entry is recorded). */
  nudge(): void {
    this.pumping ??= this.pump().finally(() => (this.pumping = undefined));
  }

  /** Forwards what is left (the server has stopped: its last checkpoint included). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.pumping;
    await this.pump();
    this.db?.close();
    this.db = undefined;
  }

  private async pump(): Promise<void> {
    try {
      if (!this.db) {
        if (!existsSync(this.storeFile)) return;
        this.db = new Database(this.storeFile, { readonly: true, fileMustExist: true });
      }
      this.sent ??= await this.lastInStream(entriesSubject(this.subject), (m) => m.row?.seq);
      this.sentCheckpoint ??= await this.lastInStream(checkpointsSubject(this.subject), (m) => m.checkpoint?.seq);
      for (;;) {
        const rows = readLogRows(this.db, this.sent, READ_AT_ONCE);
        for (const row of rows) {
          await this.link.js.publish(entriesSubject(this.subject), JSON.stringify({ row } satisfies OffBoxMessage), { msgID: `${this.subject}.${row.seq}` });
          this.sent = row.seq;
        }
        for (const checkpoint of signedCheckpoints(this.db, this.sentCheckpoint).filter((c) => c.seq <= this.sent!)) {
          await this.link.js.publish(checkpointsSubject(this.subject), JSON.stringify({ checkpoint } satisfies OffBoxMessage), { msgID: `${this.subject}.checkpoint.${checkpoint.seq}` });
          this.sentCheckpoint = checkpoint.seq;
        }
        if (rows.length === 0) return;
      }
    } catch {
      // NATS unreachable: ask the stream where it stands once it is back (store and forward).
      this.sent = this.sentCheckpoint = undefined;
    }
  }

  private async lastInStream(subject: string, seqOf: (m: OffBoxMessage) => number | undefined): Promise<number> {
    const last = await this.link.jsm.streams.getMessage(LOG_STREAM, { last_by_subj: subject }).catch((err: unknown) => {
      if (/no message found/i.test(String(err))) return null;
      throw err;
    });
    return last ? (seqOf(last.json<OffBoxMessage>()) ?? 0) : 0;
  }
}
