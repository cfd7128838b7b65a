import type { ArbiterCore } from './core/arbiter-core';
import type { TakenChanges } from './core/change-tracker';
import type { Claim } from './core/claim';
import type { Clock } from './clock';
import type { DecisionLogger } from './decision-logger';
import { StoreUnavailableError, type ArbiterStore, type StoreBatch } from './store/arbiter-store';

/** How long a store that failed is left alone before the next attempt to write. */
export const STORE_RETRY_MS = 1_000;

/** What the group commit needs of the engine around it. */
export interface CommitHost {
  readonly core: ArbiterCore;
  readonly clock: Clock;
  readonly logger: DecisionLogger;
  running(): boolean;
  /** Runs an input through the engine (the core, then its events and dispatches). */
  feed(input: (now: number) => void, operation: string): void;
}

export interface GroupCommitOptions {
  /** false: every input is written before it returns (replay in virtual time); the store must answer at once. */
  readonly grouped: boolean;
  /** ms of engine time after which a commit without changes carries the clock to the store (its high-water mark). */
  readonly heartbeat?: number;
  /**
   * Called with each batch, in commit order, once it is durable in the store; the commands of that commit are
   * acknowledged only when it resolves, and fail with NotAcknowledgedError when it rejects (cluster mode: the
   * batch is in the replicated stream too). The commit stays in the store either way.
   */
  readonly acknowledge?: (batch: StoreBatch) => Promise<void>;
}

/** The local commit succeeded but the acknowledgement hook refused: the caller must not count on the command. */
export class NotAcknowledgedError extends Error {
  readonly code = 'NOT_ACKNOWLEDGED';
  constructor(readonly reason: string) {
    super(`not acknowledged: ${reason}`);
  }
}

type ClaimKey = readonly [string /* target */, string /* claimant */];

/** The callers waiting for one commit, and what their commands changed, to undo if it fails. */
class Waiting {
  readonly claims: ClaimKey[] = [];
  operator = false;
  readonly promise: Promise<void>;
  resolve!: () => void;
  reject!: (err: Error) => void;

  constructor() {
    this.promise = new Promise((resolve, reject) => ((this.resolve = resolve), (this.reject = reject)));
    // Each caller awaits it; a commit nobody awaits any more must not surface as an unhandled rejection.
    this.promise.catch(() => undefined);
  }
}

/**
 * Group commit: what the engine decides in one turn of the event loop goes to the store as one batch, and the
 * commands of that turn are acknowledged once it is durable. One commit is in flight at a time; what is decided
 * meanwhile waits for the next, so the batches grow with the store's latency.
 *
 * A commit that fails leaves memory and store agreeing: its commands are reverted to what the store holds and
 * their callers are told (`StoreUnavailableError`); observations (device reports, facts, expiries, policy claims)
 * stay in force and are written once the store can. Until then commands are refused, an `alarm {kind: store}` is
 * raised, and a write is retried every `STORE_RETRY_MS`.
 */
export class GroupCommit {
  private collecting?: Waiting;
  private writing?: Promise<void>;
  private scheduled?: Promise<void>;
  private reverting?: Promise<void>;
  private failure?: string;
  private cancelRetry?: () => void;
  private cancelHeartbeat?: () => void;
  private lastWriteAt = -Infinity;
  /** Acknowledgements under way (the hook's), awaited at close. */
  private readonly acknowledging = new Set<Promise<void>>();

  constructor(
    private readonly store: ArbiterStore,
    private readonly host: CommitHost,
    private readonly options: GroupCommitOptions,
  ) {}

  /** Why the store cannot write, while it cannot. */
  get unavailable(): string | undefined {
    return this.failure;
  }

  start(): void {
    if (this.options.heartbeat) this.beat(this.options.heartbeat);
  }

  /** Commands are refused, before they change anything, while the store cannot make them durable. */
  refuseWhileUnavailable(operation: string): void {
    if (this.failure !== undefined) throw new StoreUnavailableError(operation, this.failure);
  }

  /** The commit that carries what a command just changed (its claim, or the operator state), once durable. */
  join(claim?: ClaimKey, operator = false): Promise<void> {
    const waiting = (this.collecting ??= new Waiting());
    if (claim) waiting.claims.push(claim);
    if (operator) waiting.operator = true;
    return waiting.promise;
  }

  /** After every input: write now, or at the end of this turn of the event loop. */
  afterInput(): void {
    if (!this.options.grouped) this.write();
    else if (!this.scheduled && !this.writing && this.failure === undefined && (this.collecting || !this.host.core.changes.empty)) {
      this.scheduled = new Promise((resolve) =>
        setImmediate(() => {
          this.scheduled = undefined;
          this.write();
          resolve();
        }),
      );
    }
  }

  /** Resolves when nothing is scheduled, being written or being reverted. */
  async settled(): Promise<void> {
    while (this.scheduled || this.writing || this.reverting) {
      await this.scheduled;
      await this.writing;
      await this.reverting;
    }
  }

  /** Writes what is left (if the store can) and closes the store. */
  async close(): Promise<void> {
    this.cancelRetry?.();
    this.cancelHeartbeat?.();
    await this.settled();
    this.write();
    await this.settled();
    while (this.acknowledging.size > 0) await Promise.all(this.acknowledging);
    if (this.failure !== undefined && !this.host.core.changes.empty) {
      this.host.logger.error('stopping with changes the store could not write (observations since it failed)', { err: this.failure });
    }
    await this.store.close();
  }

  private write(): void {
    if (this.writing || this.failure !== undefined || (this.host.core.changes.empty && !this.collecting)) return;
    const waiting = this.collecting;
    this.collecting = undefined;
    this.commit(this.host.core.changes.take(), waiting);
  }

  /** Writes the rows behind `taken`; `waiting` is told once they are durable, or undone if they cannot be. */
  private commit(taken: TakenChanges, waiting: Waiting | undefined): void {
    const batch = this.batchOf(taken);
    let written: void | Promise<void>;
    try {
      written = this.store.write(batch);
    } catch (err) {
      this.failed(taken, waiting, err);
      return;
    }
    this.lastWriteAt = batch.at!;
    if (!written) return this.succeeded(batch, waiting);
    this.writing = written.then(
      () => {
        this.writing = undefined;
        this.succeeded(batch, waiting);
        this.write();
      },
      (err: unknown) => {
        this.writing = undefined;
        this.failed(taken, waiting, err);
      },
    );
  }

  private succeeded(batch: StoreBatch, waiting: Waiting | undefined): void {
    this.acknowledge(batch, waiting);
    if (this.failure === undefined) return;
    this.failure = undefined;
    if (this.host.running()) this.host.feed((now) => this.host.core.storeRecovered(now), 'store');
  }

  private failed(taken: TakenChanges, waiting: Waiting | undefined, err: unknown): void {
    const reason = err instanceof Error ? err.message : String(err);
    this.host.core.changes.putBack(taken);
    const undo = [waiting, this.collecting].filter((w): w is Waiting => w !== undefined);
    this.collecting = undefined;
    const first = this.failure === undefined;
    this.failure = reason;
    if (first) {
      this.host.logger.error('store write failed: the commands of this commit are not in force; commands are refused until it can write', { err: reason });
      // Not from inside the input that was being written (replay writes synchronously): on the next microtask.
      queueMicrotask(() => this.host.running() && this.host.feed((now) => this.host.core.storeFailed(reason, now), 'store'));
    }
    if (undo.length > 0) this.reverting = this.revert(undo, reason).finally(() => (this.reverting = undefined));
    this.retryLater();
  }

  /** Tells the callers of a durable commit, after the acknowledgement hook when there is one. */
  private acknowledge(batch: StoreBatch, waiting: Waiting | undefined): void {
    const hook = this.options.acknowledge;
    if (!hook) return waiting?.resolve();
    const empty = batch.claimsPut.length + batch.claimsDeleted.length + batch.actuators.length + batch.facts.length === 0 && !batch.meta;
    if (empty && !waiting) return; // a heartbeat: nothing for the hook to carry
    const acknowledged: Promise<void> = hook(batch).then(
      () => waiting?.resolve(),
      (err: unknown) => waiting?.reject(err instanceof NotAcknowledgedError ? err : new NotAcknowledgedError(err instanceof Error ? err.message : String(err))),
    );
    this.acknowledging.add(acknowledged);
    void acknowledged.finally(() => this.acknowledging.delete(acknowledged));
  }

  /** Puts the claims (and operator state) of failed commands back to what the store holds, then tells their callers. */
  private async revert(undo: readonly Waiting[], reason: string): Promise<void> {
    const claims = undo.flatMap((w) => w.claims);
    const operator = undo.some((w) => w.operator);
    try {
      if (claims.length > 0 || operator) {
        const durable = await this.store.load();
        if (this.host.running()) this.host.feed((now) => this.host.core.revert(durable, claims, operator, now), 'revert');
      }
    } catch (err) {
      this.host.logger.error('cannot read what the store holds: the commands of the failed commit stay in force until a restart', { err: String(err) });
    }
    const refused = new StoreUnavailableError('commit', reason);
    for (const w of undo) w.reject(refused);
  }

  private retryLater(): void {
    if (this.cancelRetry) return;
    this.cancelRetry = this.host.clock.schedule(this.host.clock.now() + STORE_RETRY_MS, () => {
      this.cancelRetry = undefined;
      if (this.host.running() && this.failure !== undefined && !this.writing) this.commit(this.host.core.changes.take(), undefined);
    });
  }

  /** A commit now and then even without changes, so that the store's high-water mark follows the clock. */
  private beat(every: number): void {
    this.cancelHeartbeat = this.host.clock.schedule(this.host.clock.now() + every, () => {
      if (!this.host.running()) return;
      const idle = this.failure === undefined && !this.writing && !this.scheduled;
      if (idle && this.host.clock.now() - this.lastWriteAt >= every) this.commit(this.host.core.changes.take(), undefined);
      this.beat(every);
    });
  }

  private batchOf(taken: TakenChanges): StoreBatch {
    const core = this.host.core;
    const claimsPut: Claim[] = [];
    const claimsDeleted: ClaimKey[] = [];
    for (const key of taken.claims) {
      const claim = core.claim(key[1], key[0]);
      if (claim) claimsPut.push(claim);
      else claimsDeleted.push(key);
    }
    return {
      claimsPut,
      claimsDeleted,
      actuators: taken.actuators.map((id) => core.actuatorRow(id)!),
      facts: taken.facts.map((name) => core.fact(name)!).filter(Boolean),
      ...(taken.meta ? { meta: core.metaRow() } : {}),
      at: this.host.clock.now(),
    };
  }
}
