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
    } catch (err) {
      if (!/stream not found/.test(String(err))) throw err;
      await this.jsm.streams.add({ name, subjects, num_replicas: replicas, duplicate_window: 120_000_000_000, ...(extra.maxAgeMs ? { max_age: extra.maxAgeMs * 1_000_000 } : {}) });
    }
  }

  /**
   * Runs a JetStream step until it succeeds: right after a NATS node died the cluster may need a few seconds to
   * elect new leaders, and a home must carry on once it can rather than give up. It gives up after `tries`, or as
   * soon as `wanted()` says the step is no longer wanted (the node stopped, the lease was lost), with the last error.
   */
  static async untilDone<T>(what: string, step: () => Promise<T>, say: (line: string) => void, { tries = 60, wanted = () => true }: { tries?: number; wanted?: () => boolean } = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await step();
      } catch (err) {
        if (attempt >= tries || !wanted()) throw new Error(`${what}: ${String(err)}`);
        if (attempt === 1) say(`${what}: ${String(err)}; trying again`);
        await new Promise((r) => setTimeout(r, 500));
        if (!wanted()) throw new Error(`${what}: ${String(err)}`);
      }
    }
  }

  async close(): Promise<void> {
    if (this.connection.isClosed()) return;
    await this.connection.drain().catch(() => this.connection.close());
  }
}
