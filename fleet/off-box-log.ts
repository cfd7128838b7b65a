import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { readLogRows, type LogRow } from '../server/decision-log';
import type { NatsLink } from '../cluster/nats-link';
import type { LogCheckpoint, LogSigner } from './log-signer';

export const LOG_STREAM = 'ARBITER_LOG';
export const logSubject = (home: string, node: string) => `arbiter.log.${home}.${node}`;

/** One message of the off-box log: an entry as stored, or a signed checkpoint of the chain. */
export interface OffBoxMessage {
  readonly row?: LogRow;
  readonly checkpoint?: LogCheckpoint;
}

const CHECKPOINT_EVERY = 100;
const POLL_MS = 250;
const READ_AT_ONCE = 500;

/**
 * Store and forward of the decision log to a JetStream stream outside the home. It tails the log table (the
 * entries as stored, with their digest and chain hash) and publishes them one at a time, in order, each with its
 * sequence number as the message id; every 100 entries and at stop a checkpoint signed with the home's key. After
 * an outage (or a restart) it asks the stream for the last entry it holds and resumes after it, so nothing is
 * lost and nothing is sent twice.
 */
export class OffBoxLog {
  private db?: Database.Database;
  private sent?: number;
  private sinceCheckpoint = 0;
  private lastRow?: LogRow;
  private timer?: NodeJS.Timeout;
  private pumping?: Promise<void>;

  constructor(
    private readonly link: NatsLink,
    private readonly storeFile: string,
    private readonly subject: string,
    private readonly signer: LogSigner,
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

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.pumping;
    await this.pump().catch(() => undefined);
    if (this.sinceCheckpoint > 0) await this.publishCheckpoint().catch(() => undefined);
    this.db?.close();
    this.db = undefined;
  }

  private async pump(): Promise<void> {
    try {
      if (!this.db) {
        if (!existsSync(this.storeFile)) return;
        this.db = new Database(this.storeFile, { readonly: true, fileMustExist: true });
      }
      this.sent ??= await this.lastInStream();
      for (;;) {
        const rows = readLogRows(this.db, this.sent, READ_AT_ONCE);
        if (rows.length === 0) return;
        for (const row of rows) {
          await this.link.js.publish(this.subject, JSON.stringify({ row } satisfies OffBoxMessage), { msgID: `${this.subject}.${row.seq}` });
          this.sent = row.seq;
          this.lastRow = row;
          if (++this.sinceCheckpoint >= CHECKPOINT_EVERY) await this.publishCheckpoint();
        }
      }
    } catch {
      // NATS unreachable: ask the stream where it stands once it is back (store and forward).
      this.sent = undefined;
    }
  }

  private async publishCheckpoint(): Promise<void> {
    if (!this.lastRow) return;
    const checkpoint = this.signer.checkpoint(this.lastRow.seq, this.lastRow.hash);
    await this.link.js.publish(this.subject, JSON.stringify({ checkpoint } satisfies OffBoxMessage), { msgID: `${this.subject}.checkpoint.${checkpoint.seq}` });
    this.sinceCheckpoint = 0;
  }

  private async lastInStream(): Promise<number> {
    const last = await this.link.jsm.streams.getMessage(LOG_STREAM, { last_by_subj: this.subject }).catch((err: unknown) => {
      if (/no message found/i.test(String(err))) return null;
      throw err;
    });
    if (!last) return 0;
    const message = last.json<OffBoxMessage>();
    return message.row?.seq ?? message.checkpoint?.seq ?? 0;
  }
}
