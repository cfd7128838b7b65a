import type Database from 'better-sqlite3';
import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
import type { ArbiterStore } from '../engine/store/arbiter-store';
import { claimStream, resetBatch, snapshotSubject, type ClaimMessage } from './claim-message';
import type { NatsLink } from './nats-link';

const SCHEMA = 'CREATE TABLE IF NOT EXISTS cluster_progress (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL)';

/**
 * Where a standby's store stands in the claim stream, kept beside the store in the same SQLite file. 0 means
 * "start again from the newest snapshot": after this node was active (its store may hold commits that never
 * reached the stream), or on first start.
 */
export class ApplyProgress {
  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
  }

  get seq(): number {
    return (this.db.prepare('SELECT seq FROM cluster_progress WHERE id = 1').get() as { seq: number } | undefined)?.seq ?? 0;
  }

  set seq(seq: number) {
    this.db.prepare('INSERT OR REPLACE INTO cluster_progress (id, seq) VALUES (1, ?)').run(seq);
  }
}

/**
 * The standby's side of the claim stream: applies every message, in stream order, to the store of its warm
 * engine (built, not started: EdgeServer.prepare), so that at take-over the engine starts on every acknowledged
 * claim. Each message is durable in the store before the progress names it. A message of an epoch older than one
 * already seen comes from a fenced node (published after it lost the lease) and is skipped.
 */
export class ClaimApplier {
  private messages?: ConsumerMessages;
  private running?: Promise<void>;
  private maxEpoch = 0;
  private appliedSeq = 0;
  private failure?: unknown;

  constructor(
    private readonly link: NatsLink,
    private readonly home: string,
    private readonly store: Pick<ArbiterStore, 'load' | 'write'>,
    private readonly progress: ApplyProgress,
  ) {}

  get applied(): number {
    return this.appliedSeq;
  }

  /** Starts after the last applied message, or from the newest snapshot when this store may have diverged. */
  async start(): Promise<void> {
    const stream = claimStream(this.home);
    const latest = await this.link.jsm.streams.getMessage(stream, { last_by_subj: snapshotSubject(this.home) }).catch(() => null);
    const saved = this.progress.seq;
    const from = latest && saved < latest.seq ? latest.seq : saved + 1;
    this.appliedSeq = from - 1;
    const consumer = await this.link.js.consumers.get(stream, { opt_start_seq: from, deliver_policy: DeliverPolicy.StartSequence });
    const messages = (this.messages = await consumer.consume());
    this.running = (async () => {
      for await (const m of messages) await this.apply(m.seq, m.json<ClaimMessage>());
    })().catch((err: unknown) => {
      this.failure = err;
    });
  }

  /** Resolves once everything the stream holds now is applied. */
  async catchUp(): Promise<void> {
    const { last_seq: last, messages } = (await this.link.jsm.streams.info(claimStream(this.home))).state;
    while (messages > 0 && this.appliedSeq < last) {
      if (this.failure) throw new Error(`the claim stream could not be applied: ${String(this.failure)}`);
      if (!this.messages) throw new Error('catchUp: the applier is not running');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async stop(): Promise<void> {
    this.messages?.stop();
    await this.running?.catch(() => undefined);
    this.messages = undefined;
  }

  private async apply(seq: number, message: ClaimMessage): Promise<void> {
    if (message.epoch >= this.maxEpoch) {
      this.maxEpoch = message.epoch;
      if (message.snapshot) await this.store.write(resetBatch(await this.store.load(), message.snapshot));
      for (const batch of message.batches ?? []) await this.store.write(batch);
    }
    this.appliedSeq = seq;
    this.progress.seq = seq;
  }
}
