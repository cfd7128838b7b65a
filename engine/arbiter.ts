import { BehaviorSubject, Observable, Subject, distinctUntilChanged, filter, type OperatorFunction } from 'rxjs';
import type { StateValue } from './core/actuator';
import type { CommandInput } from './core/admission';
import type { Claim } from './core/claim';
import { ArbiterCore, MAX_POLICY_ROUNDS, type CoreConfig, type Outcome } from './core/arbiter-core';
import type { SystemSpec } from './core/control-system';
import type { ArbiterEvent, ArbiterEventOf, EventType, OperatorAction } from './core/events';
import type { Explanation } from './core/explain';
import type { FactWriteOutcome, FactWriter } from './core/fact-admission';
import { RealClock, type Clock } from './clock';
import { defaultDecisionLogger, logDecision, silentLogger, type DecisionLogger } from './decision-logger';
import type { ArbiterStore, StoreBatch } from './store/arbiter-store';
import { MemoryStore } from './store/memory-store';
import { RuleEvaluator } from './rule-evaluator';

/**
 * The port through which desired states reach devices. `apply` resolves (or returns) once the device confirmed
 * and rejects (or throws) when it refused or did not answer; the engine then treats the device as unreachable.
 */
export interface DevicePort {
  apply(target: string, state: StateValue, context?: DispatchContext): Promise<void> | void;
}

/** What travels with a dispatch besides the state: in cluster mode the leader's epoch, so that a peer can fence. */
export interface DispatchContext {
  readonly epoch?: number;
}

/** Confirms every dispatch at once: a home of perfect devices, for replay and tests. */
export const INSTANT_DEVICES: DevicePort = { apply() {} };

export interface ArbiterOptions {
  readonly config: CoreConfig;
  readonly clock?: Clock;
  readonly store?: ArbiterStore;
  readonly devices?: DevicePort;
  readonly logger?: DecisionLogger;
  /**
   * true (default): what is decided in one turn of the event loop is committed in one store transaction, and
   * `command()` resolves after it. false: each input is committed before the call returns, as replay in virtual
   * time wants (no turn of the event loop per step).
   */
  readonly groupCommit?: boolean;
  /**
   * Called with each batch after the local durable commit; the commands of that batch are acknowledged only once
   * it resolves, and fail with NotAcknowledgedError when it rejects (cluster mode: the batch is in the
   * replicated stream too). Batches are handed over in commit order.
   */
  readonly acknowledge?: (batch: StoreBatch) => Promise<void>;
}

/** What an actuator looks like from outside, on `actuator$(id)`. */
export interface ActuatorView {
  readonly id: string;
  readonly kind: string;
  readonly state: StateValue | undefined;
  readonly desired: StateValue | undefined;
  readonly owner: string | null;
  readonly available: boolean;
}

/** A registered control system, as its plugin sees it. */
export interface SystemHandle {
  readonly id: string;
  command(target: string, state: StateValue, options?: { category?: string; ttl?: number }): Promise<Outcome>;
  release(target: string): Promise<void>;
  /** Sets facts as this system: only those whose `writers` list it (SPEC.md §6). */
  setFacts(facts: Readonly<Record<string, unknown>>): FactWriteOutcome;
}

export class ArbiterStoppedError extends Error {
  readonly code = 'ARBITER_STOPPED';
  constructor(operation: string) {
    super(`${operation}: the arbiter is not running`);
  }
}

/** The local commit succeeded but the acknowledgement hook refused: the caller must not count on the command. */
export class NotAcknowledgedError extends Error {
  readonly code = 'NOT_ACKNOWLEDGED';
  constructor(readonly reason: string) {
    super(`not acknowledged: ${reason}`);
  }
}

type Status = 'created' | 'running' | 'stopped';

/**
 * The imperative shell around `ArbiterCore`: it owns the clock's single timer, the store's group commit,
 * device dispatch, policy evaluation (json-rules-engine is asynchronous, so it runs beside commands, never on
 * their path) and the rxjs streams. Every input runs synchronously through the core, one at a time.
 */
export class Arbiter {
  private readonly core: ArbiterCore;
  private readonly clock: Clock;
  private readonly store: ArbiterStore;
  private readonly devices: DevicePort;
  private readonly logger: DecisionLogger;
  private readonly evaluator: RuleEvaluator;
  private readonly eventsSubject = new Subject<ArbiterEvent>();
  private readonly views = new Map<string /* actuator id */, BehaviorSubject<ActuatorView>>();
  private status: Status = 'created';
  private markStarted!: () => void;
  /** Resolves once `start()` has restored the store and the engine takes input. */
  readonly started: Promise<void> = new Promise((resolve) => (this.markStarted = resolve));
  private draining = false;
  private readonly followUps: ((now: number) => void)[] = [];
  private cancelTimer?: () => void;
  private armedAt?: number;
  private flushing?: Promise<void>;
  private evaluating?: Promise<void>;

  /** Every event of SPEC.md's vocabulary (and ours), in the order the engine decided them. */
  readonly events$: Observable<ArbiterEvent> = this.eventsSubject.asObservable();

  constructor(private readonly options: ArbiterOptions) {
    this.core = new ArbiterCore(options.config);
    this.clock = options.clock ?? new RealClock();
    this.store = options.store ?? new MemoryStore();
    this.devices = options.devices ?? INSTANT_DEVICES;
    this.logger = options.logger ?? defaultDecisionLogger();
    this.evaluator = new RuleEvaluator(options.config.policies);
  }

  get config(): CoreConfig {
    return this.options.config;
  }

  get running(): boolean {
    return this.status === 'running';
  }

  /** Restores the store, expires what ran out while down, dispatches what differs and evaluates the rules. */
  async start(): Promise<void> {
    if (this.status !== 'created') throw new Error(`start: the arbiter is already ${this.status}`);
    this.core.restore(this.store.load(), this.clock.now());
    this.status = 'running';
    this.run((now) => this.core.start(now));
    await this.settled();
    this.markStarted();
  }

  /** Flushes the store and releases the timer; a second call does nothing. */
  async stop(): Promise<void> {
    if (this.status === 'stopped') return;
    if (this.status === 'created') {
      // Never started, or start() failed: nothing to flush, but the store is ours to release.
      this.status = 'stopped';
      this.store.close();
      return;
    }
    await this.settled();
    this.status = 'stopped';
    this.cancelTimer?.();
    const last = this.flush();
    if (last) await this.acknowledged(last).catch((err) => this.logger.error('the last batch at stop was not acknowledged', { err: String(err) }));
    this.store.close();
    this.eventsSubject.complete();
    for (const view of this.views.values()) view.complete();
  }

  /** Resolves once the accepted command is durable (group commit) with its outcome. */
  async command(command: CommandInput): Promise<Outcome> {
    const outcome = this.run((now) => this.core.command(command, now), 'command');
    await this.flushing;
    return outcome;
  }

  async release(system: string, target: string): Promise<void> {
    this.run((now) => this.core.release(system, target, now), 'release');
    await this.flushing;
  }

  /** A device reported its state; false when the actuator or the state is unknown (nothing changes then). */
  report(target: string, state: unknown): boolean {
    return this.run((now) => this.core.report(target, state, now), 'report');
  }

  setAvailability(target: string, available: boolean, reason?: string): boolean {
    return this.run((now) => this.core.setAvailable(target, available, now, reason), 'setAvailability');
  }

  /**
   * Facts change, as a sensor (default), the operator, or a control system that may set only the facts whose
   * `writers` list it (SPEC.md §6): a refused write changes nothing.
   */
  setFacts(facts: Readonly<Record<string, unknown>>, writer: FactWriter = 'sensor'): FactWriteOutcome {
    return this.run((now) => this.core.writeFacts(facts, writer, now), 'setFacts');
  }

  async operator(action: OperatorAction, subject: { target?: string; system?: string } = {}): Promise<void> {
    this.run((now) => this.core.operator({ action, ...subject }, now), 'operator');
    await this.flushing;
  }

  /** Adds a control system at run time and hands its plugin a handle (the plugin API). */
  registerSystem(spec: Pick<SystemSpec, 'id' | 'category'> & Partial<SystemSpec>): SystemHandle {
    const system: SystemSpec = { rank: 0, targets: ['*'], ...spec };
    this.core.registerSystem(system);
    return {
      id: system.id,
      command: (target, state, options = {}) => this.command({ system: system.id, target, state, ...options }),
      release: (target) => this.release(system.id, target),
      setFacts: (facts) => this.setFacts(facts, { system: system.id }),
    };
  }

  /** Removes a control system at run time (a plugin unloaded, a Node-RED node deleted); its claims go with it. */
  async unregisterSystem(id: string): Promise<void> {
    this.run((now) => this.core.unregisterSystem(id, now), 'unregisterSystem');
    await this.flushing;
  }

  /** The winner and every claim with its priority and why it wins or loses. */
  explain(target: string): Explanation | undefined {
    return this.core.explain(target);
  }

  view(id: string): ActuatorView | undefined {
    const rec = this.core.actuator(id);
    if (!rec) return undefined;
    return { id, kind: rec.spec.kind, state: rec.state, desired: rec.desired, owner: rec.winner, available: rec.available };
  }

  /** The actuator's view now and after every change. */
  actuator$(id: string): Observable<ActuatorView> {
    let subject = this.views.get(id);
    if (!subject) {
      const view = this.view(id);
      if (!view) throw new RangeError(`actuator$: unknown actuator "${id}"`);
      this.views.set(id, (subject = new BehaviorSubject(view)));
    }
    return subject.pipe(distinctUntilChanged(sameView));
  }

  /** Read access to the core's tables for reports, the server and the Node-RED nodes. */
  get tables(): Pick<ArbiterCore, 'actuator' | 'actuatorIds' | 'system' | 'systemIds' | 'claimsOn' | 'claim' | 'isQuarantined' | 'fact' | 'factRecords' | 'snapshot' | 'metaRow'> {
    return this.core;
  }

  now(): number {
    return this.clock.now();
  }

  /** Resolves when no policy evaluation and no store write is pending. */
  async settled(): Promise<void> {
    while (this.evaluating || this.flushing) {
      await this.evaluating;
      await this.flushing;
    }
  }

  // ---- the loop --------------------------------------------------------------------------------------------

  private run<T>(input: (now: number) => T, operation = 'input'): T {
    if (this.status !== 'running') throw new ArbiterStoppedError(operation);
    const result = input(this.clock.now());
    this.drain();
    return result;
  }

  /** Publishes what the core decided and carries it out; inputs that arise meanwhile run after, in order. */
  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      for (;;) {
        const events = this.core.takeEvents();
        for (const event of events) this.publish(event);
        const next = this.followUps.shift();
        if (next) next(this.clock.now());
        else if (events.length === 0) break;
      }
      this.publishViews();
      if (this.options.groupCommit === false) this.flush();
      else this.scheduleFlush();
      this.armTimer();
      if (this.core.needsEvaluation) this.scheduleEvaluation();
    } finally {
      this.draining = false;
    }
  }

  private publish(event: ArbiterEvent): void {
    if (this.logger !== silentLogger) logDecision(this.logger, event, () => this.winReason(event));
    this.eventsSubject.next(event);
    if (event.type === 'dispatched') this.carryOut(event);
  }

  /** Why the named winner wins, for dispatches and conflicts: the answer to "why did it win?" in the log. */
  private winReason(event: ArbiterEvent): string | undefined {
    if (event.type !== 'dispatched' && event.type !== 'conflict') return undefined;
    const winner = event.type === 'dispatched' ? event.by : event.winner;
    return this.core.explain(event.target)?.claims.find((c) => c.claimant === winner)?.reason;
  }

  private carryOut({ target, state }: ArbiterEventOf<'dispatched'>): void {
    const unreachable = (err: unknown) => (now: number) => this.core.setAvailable(target, false, now, err instanceof Error ? err.message : String(err));
    let pending: Promise<void> | void;
    try {
      pending = this.devices.apply(target, state);
    } catch (err) {
      this.followUps.push(unreachable(err));
      return;
    }
    if (!pending) {
      this.followUps.push((now) => this.core.confirm(target, state, now));
      return;
    }
    pending.then(
      () => this.running && this.run((now) => this.core.confirm(target, state, now), 'confirm'),
      (err) => this.running && this.run(unreachable(err), 'unreachable'),
    );
  }

  private publishViews(): void {
    if (this.views.size === 0) return;
    for (const [id, subject] of this.views) {
      const view = this.view(id)!;
      if (!sameView(view, subject.value)) subject.next(view);
    }
  }

  private armTimer(): void {
    const next = this.core.nextDeadline();
    if (next === this.armedAt) return;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.armedAt = next;
    if (next === undefined) return;
    this.cancelTimer = this.clock.schedule(next, () => {
      this.armedAt = undefined;
      this.cancelTimer = undefined;
      if (this.running) this.run((now) => this.core.tick(now), 'tick');
    });
  }

  /** Group commit: everything decided in this turn of the event loop goes to the store in one transaction. */
  private scheduleFlush(): void {
    if (this.flushing || this.core.changes.empty) return;
    this.flushing = new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        this.flushing = undefined;
        let batch: StoreBatch | undefined;
        try {
          batch = this.flush();
        } catch (err) {
          this.logger.error('store write failed: commands of this batch are not acknowledged', { err: String(err) });
          reject(err);
          return;
        }
        if (batch) this.acknowledged(batch).then(resolve, reject);
        else resolve();
      });
    });
    // The rejection reaches whoever awaits an acknowledgement; keep it from surfacing as unhandled elsewhere.
    this.flushing.catch(() => undefined);
  }

  private acknowledged(batch: StoreBatch): Promise<void> {
    if (!this.options.acknowledge) return Promise.resolve();
    return this.options.acknowledge(batch).catch((err: unknown) => {
      throw err instanceof NotAcknowledgedError ? err : new NotAcknowledgedError(err instanceof Error ? err.message : String(err));
    });
  }

  /** Writes what changed since the last commit; returns the batch written, if any. */
  private flush(): StoreBatch | undefined {
    if (this.core.changes.empty) return undefined;
    const keys = this.core.changes.take();
    const claimsPut: Claim[] = [];
    const claimsDeleted: (readonly [string, string])[] = [];
    for (const key of keys.claims) {
      const claim = this.core.claim(key[1], key[0]);
      if (claim) claimsPut.push(claim);
      else claimsDeleted.push(key);
    }
    const batch: StoreBatch = {
      claimsPut,
      claimsDeleted,
      actuators: keys.actuators.map((id) => this.core.actuatorRow(id)!),
      facts: keys.facts.map((name) => this.core.fact(name)!).filter(Boolean),
      ...(keys.meta ? { meta: this.core.metaRow() } : {}),
    };
    this.store.write(batch);
    return batch;
  }

  private scheduleEvaluation(): void {
    if (this.evaluating) return;
    this.evaluating = this.evaluateRules().finally(() => {
      this.evaluating = undefined;
      if (this.running && this.core.needsEvaluation) this.scheduleEvaluation();
    });
  }

  /** Evaluates until the `actuator:<id>` cascade settles; a cascade that does not is cut (SPEC.md §6). */
  private async evaluateRules(): Promise<void> {
    for (let round = 0; this.running && this.core.needsEvaluation; round++) {
      if (round >= MAX_POLICY_ROUNDS) {
        this.run((now) => this.core.reportPolicyLoop(now), 'policy-loop');
        return;
      }
      let holding: Set<string>;
      try {
        holding = await this.evaluator.holding(this.core.factValues());
      } catch (err) {
        this.logger.error('policy evaluation failed; the rules that held keep holding', { err: String(err) });
        const unchanged = new Set(this.core.metaRow().holding);
        this.run((now) => this.core.applyHolding(unchanged, now), 'policies');
        return;
      }
      if (this.running) this.run((now) => this.core.applyHolding(holding, now), 'policies');
    }
  }
}

function sameView(a: ActuatorView, b: ActuatorView): boolean {
  return a.state === b.state && a.desired === b.desired && a.owner === b.owner && a.available === b.available;
}

/** `events$.pipe(ofType('conflict', 'alarm'))`, typed. */
export function ofType<K extends EventType>(...types: K[]): OperatorFunction<ArbiterEvent, ArbiterEventOf<K>> {
  const wanted = new Set<EventType>(types);
  return filter((e) => wanted.has(e.type)) as OperatorFunction<ArbiterEvent, ArbiterEventOf<K>>;
}
