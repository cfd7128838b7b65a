import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';

/** JetStream requests (publish acks, KV operations) give up after this long, so a lease check never hangs. */
const REQUEST_TIMEOUT_MS = 2_000;

/**
 * One NATS connection and its JetStream handles. It keeps reconnecting for ever (a home outlives any outage of
 * the NATS servers), and starts without waiting for a server: whoever needs JetStream waits for it.
 */
export class NatsLink {
  private constructor(
    readonly connection: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
  ) {}

  static async open(servers: readonly string[], name: string): Promise<NatsLink> {
    const connection = await connect({ servers: [...servers], name, waitOnFirstConnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 250, timeout: REQUEST_TIMEOUT_MS });
    const js = jetstream(connection, { timeout: REQUEST_TIMEOUT_MS });
    const jsm = await jetstreamManager(connection, { timeout: REQUEST_TIMEOUT_MS, checkAPI: false });
    return new NatsLink(connection, js, jsm);
  }

  /** Opens a KV bucket, creating it with these settings when it does not exist yet. */
  async bucket(name: string, replicas: number, history = 1): Promise<KV> {
    return new Kvm(this.js).create(name, { replicas, history });
  }

  /** Creates the stream, or leaves an existing one as it is. */
  async stream(name: string, subjects: string[], replicas: number, extra: { maxAgeMs?: number } = {}): Promise<void> {
    try {
      await this.jsm.streams.info(name);
    } catch {
      await this.jsm.streams.add({ name, subjects, num_replicas: replicas, duplicate_window: 120_000_000_000, ...(extra.maxAgeMs ? { max_age: extra.maxAgeMs * 1_000_000 } : {}) });
    }
  }

  async close(): Promise<void> {
    if (this.connection.isClosed()) return;
    await this.connection.drain().catch(() => this.connection.close());
  }
}
