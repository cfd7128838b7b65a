import { NotAcknowledgedError } from '../engine/arbiter';
import type { CoreSnapshot } from '../engine/core/snapshot';
import type { StoreBatch } from '../engine/store/arbiter-store';
import { MemoryStore } from '../engine/store/memory-store';
import { batchSubject, claimStream, snapshotSubject, SNAPSHOT_EVERY, type ClaimMessage } from './claim-message';
import type { NatsLink } from './nats-link';

const RETRY_MS = 250;

interface Waiting {
  readonly batch: StoreBatch;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/**
 * The active node's side of the claim stream: each group commit, once durable locally, is published to the
 * home's replicated JetStream stream, and its commands are acknowledged only once JetStream has stored it and
 * the lease is still valid. One message is in flight at a time, carrying every commit made meanwhile, so the
 * stream holds commits in commit order even when a publish is retried (with the same message id: JetStream drops
 * the duplicate). A mirror of what the stream holds gives the periodic snapshots.
 */
export class ClaimReplicator {
  private readonly queue: Waiting[] = [];
  private readonly mirror = new MemoryStore();
  private pumping?: Promise<void>;
  private published = 0;
  private previousSnapshot?: number;
  private closed?: string;

  constructor(
    private readonly link: NatsLink,
    private readonly home: string,
    private readonly node: string,
    private readonly epoch: number,
    /** The lease's verdict right now: false once this node may no longer act as the active one. */
    private readonly leaseValid: () => boolean,
    initial: CoreSnapshot,
  ) {
    this.mirror.write({ claimsPut: initial.claims, claimsDeleted: [], actuators: initial.actuators, facts: initial.facts, meta: initial });
  }

  /** The acknowledgement hook: resolves once the batch is in the stream (and this node still holds the lease). */
  replicate(batch: StoreBatch): Promise<void> {
    if (this.closed) return Promise.reject(new NotAcknowledgedError(this.closed));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ batch, resolve, reject });
      this.pumping ??= this.pump().finally(() => (this.pumping = undefined));
    });
  }

  /** Publishes a snapshot of everything replicated so far: the new epoch's marker at take-over. */
  async snapshot(): Promise<void> {
    const seq = await this.send(snapshotSubject(this.home), { epoch: this.epoch, node: this.node, snapshot: this.mirror.load() }, 'snapshot');
    this.published = 0;
    // What came before the previous snapshot is in both; a standby that was behind starts again from a snapshot.
    // The newest snapshot is never purged (on nats-server 2.9 a purge to `seq` also removed the message at `seq`).
    const previous = this.previousSnapshot;
    this.previousSnapshot = seq;
    if (previous !== undefined) await this.link.jsm.streams.purge(claimStream(this.home), { seq: previous }).catch(() => undefined);
  }

  /** Waits until every batch handed over is published or refused. */
  async drain(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  /** Refuses what waits and whatever comes later (the lease was lost or the node stops). */
  close(reason: string): void {
    this.closed ??= reason;
    for (const w of this.queue.splice(0)) w.reject(new NotAcknowledgedError(reason));
  }

  private async pump(): Promise<void> {
    while (this.queue.length > 0) {
      const waiting = this.queue.splice(0);
      const batches = waiting.map((w) => w.batch);
      try {
        await this.send(batchSubject(this.home), { epoch: this.epoch, node: this.node, batches }, `batch`);
        if (!this.leaseValid()) throw new NotAcknowledgedError('the lease lapsed before the claim stream confirmed');
      } catch (err) {
        const refusal = err instanceof NotAcknowledgedError ? err : new NotAcknowledgedError(String(err));
        for (const w of waiting) w.reject(refusal);
        continue;
      }
      for (const b of batches) this.mirror.write(b);
      for (const w of waiting) w.resolve();
      if (++this.published >= SNAPSHOT_EVERY) await this.snapshot().catch(() => undefined);
    }
  }

  /** Publishes until JetStream confirms, retrying with the same message id while the lease holds. */
  private async send(subject: string, message: ClaimMessage, kind: string): Promise<number> {
    const msgID = `${this.node}.${this.epoch}.${kind}.${Date.now()}.${Math.random().toString(36).slice(2)}`;
    const data = JSON.stringify(message);
    for (;;) {
      if (this.closed) throw new NotAcknowledgedError(this.closed);
      if (!this.leaseValid()) throw new NotAcknowledgedError('this node no longer holds the lease');
      try {
        return (await this.link.js.publish(subject, data, { msgID })).seq;
      } catch {
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
  }
}
