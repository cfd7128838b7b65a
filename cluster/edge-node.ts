import Database from 'better-sqlite3';
import type { KV } from '@nats-io/kv';
import type { Subscription } from 'rxjs';
import type { ArbiterStore } from '../engine/store/arbiter-store';
import { EdgeServer, type EdgeServerHooks, type EdgeServerOptions } from '../server/edge-server';
import { systemCredential } from '../server/secrets';
import type { ServerConfig } from '../server/server-config';
import type { ServerEventInput } from '../server/server-events';
import { ApplyProgress, ClaimApplier } from './claim-applier';
import { batchSubject, claimStream, snapshotSubject } from './claim-message';
import { ClaimReplicator } from './claim-replicator';
import type { ClusterSettings } from './cluster-config';
import { DispatchFence } from './dispatch-fence';
import { LeadershipLease, RENEW_EVERY_MS, type LeaseChange } from './leadership-lease';
import { NatsLink } from './nats-link';
import { StandbyHttp } from './standby-http';

export const LEASE_BUCKET = 'arbiter_lease';
const leaseKey = (home: string) => `${home}.lease`;
/** `home-arbiter cluster handover` writes here; the active node hands over when it sees a new revision. */
export const handoverKey = (home: string) => `${home}.handover`;
/** The node a handover request names, if any. */
const handoverTarget = (request: string): string | undefined => (JSON.parse(request) as { to?: string }).to;
const presenceKey = (home: string, node: string) => `${home}.node.${node}`;

/** What the fleet (fleet/) adds to a node: hooks into whichever EdgeServer runs, started and stopped with the node. */
export interface NodeExtension {
  readonly hooks: Pick<EdgeServerHooks, 'recorded' | 'status'>;
  /** The configuration the node starts with, from the file's (the fleet: the policy bundle in force). */
  configure?(config: ServerConfig): ServerConfig;
  start(node: EdgeNode): Promise<void>;
  stop(): Promise<void>;
}

/** The server's options (passed on to each EdgeServer it runs) but its hooks, which the node makes. */
export interface EdgeNodeOptions extends Omit<EdgeServerOptions, 'hooks'> {
  readonly extensions?: readonly NodeExtension[];
}

type Role = 'active' | 'standby';

/**
 * One `serve` process in cluster or fleet mode. It owns the EdgeServer's lifecycle: without `cluster:` the
 * server simply runs (and restarts on a new policy bundle); with it, the server runs only while this node holds
 * the home's lease. As a warm standby the node keeps a server prepared (store open under its lock, adapters
 * connected, the engine built but not started, so nothing is decided, logged or dispatched), applies the claim
 * stream to that server's store and answers `/api/status`; on taking the lease it catches up to the end of the
 * stream, publishes a snapshot that marks its epoch, and starts that server's engine, which dispatches every
 * desired state at once (through the dispatch fence, with the replicating acknowledgement); on losing it, it stops
 * dispatching at once (the fence), stops the server, prepares a new one and resynchronises its store from the
 * stream.
 */
export class EdgeNode {
  private config: ServerConfig;
  private readonly say: (line: string) => void;
  private server?: EdgeServer;
  /** The standby's warm server: built and prepared (store, adapters), its engine not started (EdgeServer.prepare). */
  private warm?: { server: EdgeServer; store: ArbiterStore };
  private link?: NatsLink;
  private kv?: KV;
  private lease?: LeadershipLease;
  private replicator?: ClaimReplicator;
  private fence?: DispatchFence;
  private applier?: { applier: ClaimApplier; db: Database.Database };
  private readonly standby: StandbyHttp;
  private port = 0;
  private role: Role = 'standby';
  private peers: string[] = [];
  private handoverSeen = 0;
  private handingOver = false;
  private transitions: Promise<void> = Promise.resolve();
  private subscription?: Subscription;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly options: EdgeNodeOptions) {
    this.config = options.config;
    this.say = options.say ?? (() => undefined);
    this.standby = new StandbyHttp(() => this.status());
  }

  get cluster(): ClusterSettings | undefined {
    return this.config.cluster;
  }

  get url(): string {
    const scheme = this.config.tls ? 'https' : 'http';
    return this.server ? this.server.url : `${scheme}://${this.options.host ?? this.config.host}:${this.port}`;
  }

  get currentRole(): Role {
    return this.role;
  }

  get currentConfig(): ServerConfig {
    return this.config;
  }

  /** Whether the home has a credential for each system (a policy bundle may declare new systems). */
  missingCredentials(systems: readonly string[]): string[] {
    const secrets = this.options.secrets;
    return secrets ? systems.filter((s) => !secrets.has(systemCredential(s))) : [];
  }

  async start(): Promise<void> {
    for (const e of this.options.extensions ?? []) this.config = e.configure?.(this.config) ?? this.config;
    const cluster = this.cluster;
    if (!cluster) {
      this.role = 'active';
      await this.startServer();
    } else {
      this.port = await this.standby.listen(this.options.port ?? this.config.port, this.options.host ?? this.config.host);
      const link = (this.link = await NatsLink.open(cluster.servers, `home-arbiter ${cluster.home}/${cluster.node}`));
      const setUp = <T>(what: string, step: () => Promise<T>) => NatsLink.untilDone(what, step, this.say);
      await setUp('cluster: the claim stream', () => link.stream(claimStream(cluster.home), [batchSubject(cluster.home), snapshotSubject(cluster.home)], cluster.replicas));
      const kv = (this.kv = await setUp('cluster: the lease bucket', () => link.bucket(LEASE_BUCKET, cluster.replicas)));
      this.handoverSeen = (await setUp('cluster: the handover key', () => kv.get(handoverKey(cluster.home))))?.revision ?? 0;
      await setUp('cluster: the claim stream consumer', () => this.startApplier());
      this.lease = new LeadershipLease(this.kv, leaseKey(cluster.home), cluster.node, cluster.failover);
      this.subscription = this.lease.changes$.subscribe((change) => this.enqueue(() => this.onLease(change)));
      this.lease.start();
      this.timer = setInterval(() => void this.tick().catch(() => undefined), RENEW_EVERY_MS);
    }
    for (const e of this.options.extensions ?? []) await e.start(this);
  }

  /**
   * Hands the lease to another node (or any) after stopping dispatch and publishing the last commits. `request`:
   * the revision of the operator's request, counted as carried out only when this node hands over (a node that
   * has meanwhile lost the lease carries it out once it holds the lease again).
   */
  async handover(to?: string, request?: number): Promise<void> {
    await this.enqueue(async () => {
      if (this.role !== 'active' || !this.lease || this.lease.validEpoch() === undefined) return;
      if (request !== undefined) this.handoverSeen = Math.max(this.handoverSeen, request);
      this.handingOver = true;
      try {
        await this.becomeStandby(`handing over${to ? ` to ${to}` : ''} (operator)`, async () => {
          await this.lease!.release(to);
        });
      } finally {
        this.handingOver = false;
      }
    });
  }

  /**
   * Replaces the configuration (a policy bundle, or its rollback) and records `why` in the log; an active server
   * restarts on it. When it cannot start on it, it starts again on the one before, and this rejects.
   */
  async reconfigure(config: ServerConfig, why: ServerEventInput): Promise<void> {
    let failure: unknown;
    await this.enqueue(async () => {
      const before = this.config;
      this.config = config;
      if (this.warm) await this.rewarm();
      if (this.role !== 'active' || !this.server) return;
      await this.stopServer();
      try {
        await this.startServer();
      } catch (err) {
        failure = err;
        this.config = before;
        await this.startServer();
      }
    });
    if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
    this.note(why);
  }

  /** Records an event in the running server's decision log; false on a standby (nothing runs to record it). */
  note(event: ServerEventInput): boolean {
    if (!this.server) return false;
    this.server.note(event);
    return true;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    // The server first, the extensions after: the off-box log then forwards the server's last entries and checkpoint.
    await this.enqueue(async () => {
      this.subscription?.unsubscribe();
      if (this.role === 'active' && this.lease) {
        // A clean stop hands over at once rather than letting the standby wait for the lease to lapse.
        this.handingOver = true;
        await this.stopServer();
        await this.lease.release().catch(() => undefined);
      } else await this.stopServer();
      this.lease?.stop();
      await this.stopApplier();
      await this.stopWarm();
      await this.standby.close();
      await this.link?.close();
    });
    for (const e of [...(this.options.extensions ?? [])].reverse()) await e.stop().catch((err) => this.say(`stop: ${String(err)}`));
  }

  recordException(err: unknown): string {
    return this.server ? this.server.recordException(err) : 'no fault record: this node is the standby (no server runs)';
  }

  status(): Record<string, unknown> {
    const cluster = this.cluster;
    if (!cluster) return {};
    const lease = this.lease?.status;
    const peer = this.role === 'active' ? (this.peers[0] ?? null) : (lease?.holder ?? null);
    return {
      cluster: { node: cluster.node, home: cluster.home, role: this.role, epoch: lease?.epoch ?? 0, peer, peers: this.peers, applied: this.applier?.applier.applied ?? null, warm: this.role === 'standby' && this.applier !== undefined, fencedDispatches: this.fence?.refused ?? 0 },
    };
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.transitions.then(step).catch((err: unknown) => this.say(`cluster: ${err instanceof Error ? err.message : String(err)}`));
    this.transitions = next;
    return next;
  }

  private async onLease(change: LeaseChange): Promise<void> {
    if (this.stopped) return;
    if (change.role === 'active' && this.role === 'standby') await this.becomeActive(change);
    else if (change.role === 'standby' && this.role === 'active') await this.becomeStandby(change.reason);
  }

  private async becomeActive(change: LeaseChange): Promise<void> {
    const cluster = this.cluster!;
    const leased = performance.now();
    this.say(`cluster: ${cluster.node} took the lease (epoch ${change.epoch}): ${change.reason}; catching up with the claim stream`);
    const valid = () => !this.stopped && !this.handingOver && this.lease!.validEpoch() === change.epoch;
    try {
      await NatsLink.untilDone('cluster: catching up with the claim stream', () => this.caughtUp(), this.say, { tries: Infinity, wanted: valid });
      await this.stopApplier(true);
      const warm = this.warm!;
      this.replicator = new ClaimReplicator(this.link!, cluster.home, cluster.node, change.epoch, () => this.lease!.validEpoch() === change.epoch, await warm.store.load());
      await this.replicator.snapshot();
      await this.standby.close();
      this.role = 'active';
      this.warm = undefined;
      await this.startServer(warm.server);
    } catch (err) {
      // Lost again meanwhile, or cannot serve (NATS, the port): a lease held without serving would leave the
      // home with no active node, so give it back and stand by again.
      const why = valid() ? `could not become active: ${err instanceof Error ? err.message : String(err)}` : 'the lease was lost while taking over';
      this.say(`cluster: ${cluster.node} ${why}`);
      this.handingOver = true;
      try {
        await this.becomeStandby(why, () => this.lease!.release());
      } finally {
        this.handingOver = false;
      }
      return;
    }
    this.note({ type: 'cluster-role', role: 'active', epoch: change.epoch, node: cluster.node, peer: this.peers[0] ?? null, reason: change.reason });
    this.say(`cluster: ${cluster.node} is active (epoch ${change.epoch}) ${Math.round(performance.now() - leased)} ms after taking the lease: ${change.reason}`);
    // A request is done when a holder released the lease (this node took it after a handover, even one meant for
    // a node that never came), or when it names this node or none. One for another node, made while this node
    // could not act on it (NATS trouble had cost it the lease, which it then took back when it lapsed), is still
    // the operator's wish: the next tick carries it out.
    const request = await this.kv!.get(handoverKey(cluster.home)).catch(() => null);
    const to = request ? handoverTarget(request.string()) : undefined;
    if (request && (change.afterRelease || to === undefined || to === cluster.node)) this.handoverSeen = request.revision;
  }

  /** Resolves once the store holds everything the claim stream holds now; a failed applier is started again. */
  private async caughtUp(): Promise<void> {
    try {
      if (!this.applier) await this.startApplier();
      await this.applier!.applier.catchUp();
    } catch (err) {
      await this.stopApplier();
      throw err;
    }
  }

  private async becomeStandby(reason: string, beforeApplying?: () => Promise<void>): Promise<void> {
    const cluster = this.cluster!;
    const epoch = this.lease!.status.epoch;
    this.note({ type: 'cluster-role', role: 'standby', epoch, node: cluster.node, peer: null, reason });
    this.say(`cluster: ${cluster.node} is standby: ${reason}`);
    this.role = 'standby';
    await this.stopServer();
    await this.replicator?.drain();
    this.replicator?.close(`this node is standby: ${reason}`);
    this.replicator = undefined;
    // The lease lapses by itself when it cannot be released (NATS unreachable): the handover only takes longer.
    await beforeApplying?.().catch((err: unknown) => this.say(`cluster: releasing the lease: ${String(err)}; it lapses after ${cluster.failover} ms instead`));
    if (this.stopped) return;
    this.port = await this.standby.listen(this.port, this.options.host ?? this.config.host);
    // Whatever this store holds beyond the stream was never acknowledged: start again from the newest snapshot.
    await this.stopApplier();
    await NatsLink.untilDone('cluster: the claim stream consumer', () => this.startApplier(true), this.say, { tries: Infinity, wanted: () => !this.stopped });
  }

  /** A standby's configuration changed (a policy bundle): its warm server is prepared again on the new one. */
  private async rewarm(): Promise<void> {
    await this.stopApplier();
    await this.stopWarm();
    await NatsLink.untilDone('cluster: the claim stream consumer', () => this.startApplier(), this.say, { tries: Infinity, wanted: () => !this.stopped });
  }

  /** Starts `server` (a new one of this node's configuration, or the warm standby's) as this node's server. */
  private async startServer(server = this.newServer()): Promise<void> {
    try {
      await server.start();
    } catch (err) {
      await server.stop();
      throw err;
    }
    this.server = server;
    this.port = Number(new URL(server.url).port);
  }

  /** A server of this node's configuration, with cluster mode's and the extensions' hooks. */
  private newServer(): EdgeServer {
    const cluster = this.cluster;
    const extensions = this.options.extensions ?? [];
    const hooks: EdgeServerHooks = {
      ...(cluster
        ? {
            devices: (port) => (this.fence = new DispatchFence(port, () => (this.handingOver ? undefined : this.lease!.validEpoch()))),
            acknowledge: (batch) => this.replicator!.replicate(batch),
            reassert: true,
          }
        : {}),
      recorded: (entry) => {
        for (const e of extensions) e.hooks.recorded?.(entry);
      },
      status: () => Object.assign({}, this.status(), ...extensions.map((e) => e.hooks.status?.() ?? {})),
    };
    const { extensions: _extensions, ...options } = this.options;
    return new EdgeServer({ ...options, config: this.config, port: this.port || this.options.port, say: this.say, hooks });
  }

  private async stopServer(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.stop();
  }

  /**
   * The standby applies the claim stream to its warm server's store (prepared first when there is none), the
   * store its engine starts on at take-over; its progress is kept in the same file.
   */
  private async startApplier(resync = false): Promise<void> {
    const cluster = this.cluster!;
    const warm = (this.warm ??= await this.prepareWarm());
    let db: Database.Database | undefined;
    try {
      db = new Database(this.config.storeFile);
      db.pragma('busy_timeout = 5000');
      const progress = new ApplyProgress(db);
      if (resync) progress.seq = 0;
      const applier = new ClaimApplier(this.link!, cluster.home, warm.store, progress);
      await applier.start();
      this.applier = { applier, db };
    } catch (err) {
      db?.close();
      throw err;
    }
  }

  private async prepareWarm(): Promise<{ server: EdgeServer; store: ArbiterStore }> {
    const server = this.newServer();
    try {
      return { server, store: await server.prepare() };
    } catch (err) {
      await server.stop();
      throw err;
    }
  }

  /** `diverging`: the engine is about to write this store, so the next standby run starts from a snapshot. */
  private async stopApplier(diverging = false): Promise<void> {
    const current = this.applier;
    this.applier = undefined;
    if (!current) return;
    await current.applier.stop();
    if (diverging) new ApplyProgress(current.db).seq = 0;
    current.db.close();
  }

  private async stopWarm(): Promise<void> {
    const warm = this.warm;
    this.warm = undefined;
    await warm?.server.stop();
  }

  /** Every second: presence for the peers, and a handover the operator asked for. */
  private async tick(): Promise<void> {
    const cluster = this.cluster!;
    const kv = this.kv!;
    await kv.put(presenceKey(cluster.home, cluster.node), JSON.stringify({ role: this.role, at: Date.now(), url: this.url }));
    const peers: string[] = [];
    for await (const key of await kv.keys(`${cluster.home}.node.*`)) {
      const node = key.slice(`${cluster.home}.node.`.length);
      if (node === cluster.node) continue;
      const entry = await kv.get(key);
      const seen = entry ? (JSON.parse(entry.string()) as { at: number }).at : 0;
      if (Date.now() - seen < 3 * cluster.failover) peers.push(node);
    }
    this.peers = peers.sort();
    // The lease itself, not only the role: a node resumed after a pause may not have heard yet that it lost it,
    // and a request it took now would be marked seen and never carried out.
    if (this.role !== 'active' || this.lease?.validEpoch() === undefined) return;
    const request = await kv.get(handoverKey(cluster.home));
    if (request && request.revision > this.handoverSeen) {
      const to = handoverTarget(request.string());
      // Asked to hand over to itself: it has the lease already (it took it on that request, or held it).
      if (to === cluster.node) this.handoverSeen = request.revision;
      else void this.handover(to, request.revision);
    }
  }
}
