import { BehaviorSubject, Observable, Subject, distinctUntilChanged, filter, type OperatorFunction } from 'rxjs';
import type { StateValue } from './core/actuator';
import type { CommandInput } from './core/admission';
import { ArbiterCore, MAX_POLICY_ROUNDS, type CoreConfig, type Outcome } from './core/arbiter-core';
import type { SystemSpec } from './core/control-system';
import type { ArbiterEvent, ArbiterEventOf, EventCatalogue, EventType, OperatorAction } from './core/events';
import type { ClaimExplanation, Explanation } from './core/explain';
import type { FactWriteOutcome, FactWriter } from './core/fact-admission';
import { RealClock, type Clock } from './clock';
import { defaultDecisionLogger, logDecision, silentLogger, type DecisionLogger } from './decision-logger';
import { GroupCommit } from './group-commit';
export { NotAcknowledgedError } from './group-commit';
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
  /**
   * ms: a commit at least this often, even without changes, carries the clock to the store's wall-clock
   * high-water mark (issue 11: a clock found behind it at the next start is reported, and leases are measured
   * from the mark). Off by default; the server and the Node-RED supervisor turn it on.
   */
  readonly heartbeat?: number;
  /**
   * At start, dispatch every desired state, also those the store says the devices have (cluster mode: a new
   * leader cannot know which of the old leader's dispatches arrived). Off by default.
   */
  readonly reassert?: boolean;
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

/** A fact value the store could not keep (too deeply nested, a cycle, a BigInt): refused before it is in force. */
export class FactValueError extends RangeError {
  readonly code = 'FACT_VALUE';
  constructor(
    readonly fact: string,
    reason: string,
  ) {
    super(`setFacts: fact "${fact}": the value cannot be stored (${reason})`);
  }
}

type Status = 'created' | 'running' | 'stopped';

/** What a health monitor may announce: a trend warning, a diagnosis, a lifetime alarm, a clock behind the store's. */
export type HealthEventInput =
  | ({ type: 'trend-warning' } & EventCatalogue['trend-warning'])
  | ({ type: 'diagnostics' } & EventCatalogue['diagnostics'])
  | { type: 'alarm'; kind: 'lifetime-exceeded'; target: string; message: string }
  | { type: 'alarm'; kind: 'clock-behind'; message: string };

/**
 * The imperative shell around `ArbiterCore`: it owns the clock's single timer, the store's group commit,
 * device dispatch, policy evaluation (json-rules-engine is asynchronous, so it runs beside commands, never on
 * their path) and the rxjs streams. Every input runs synchronously through the core, one at a time.
 */
export class Arbiter {
  private readonly core: ArbiterCore;
  private readonly clock: Clock;
  private readonly store: ArbiterStore;
  private readonly commits: GroupCommit;
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
    this.commits = new GroupCommit(
      this.store,
      {
        core: this.core,
        clock: this.clock,
        logger: this.logger,
        running: () => this.running,
        feed: (input, operation) => this.run(input, operation),
      },
      {
        grouped: options.groupCommit !== false,
        ...(options.heartbeat ? { heartbeat: options.heartbeat } : {}),
        ...(options.acknowledge ? { acknowledge: options.acknowledge } : {}),
      },
    );
  }

  get config(): CoreConfig {
    return this.options.config;
  }

  get running(): boolean {
    return this.status === 'running';
  }

  /** Why the store cannot write, while it cannot (commands are refused meanwhile); undefined when it can. */
  get storeUnavailable(): string | undefined {
    return this.commits.unavailable;
  }

  /** Restores the store, expires what ran out while down, dispatches what differs and evaluates the rules. */
  async start(): Promise<void> {
    if (this.status !== 'created') throw new Error(`start: the arbiter is already ${this.status}`);
    this.core.restore(await this.store.load(), this.clock.now());
    this.status = 'running';
    this.commits.start();
    this.run((now) => {
      this.core.start(now);
      if (this.options.reassert) this.core.reassert(now);
    });
    await this.settled();
    this.markStarted();
  }

  /** Flushes the store and releases the timer; a second call does nothing. */
  async stop(): Promise<void> {
    if (this.status === 'stopped') return;
    if (this.status === 'created') {
      // Never started, or start() failed: nothing to flush, but the store is ours to release.
      this.status = 'stopped';
      await this.store.close();
      return;
    }
    await this.settled();
    this.status = 'stopped';
    this.cancelTimer?.();
    await this.commits.close();
    this.eventsSubject.complete();
    for (const view of this.views.values()) view.complete();
  }

  /**
   * Resolves once the accepted command is durable (group commit) with its outcome. Rejects with
   * `StoreUnavailableError` when the store cannot make it durable: the command is then not in force.
   */
  async command(command: CommandInput): Promise<Outcome> {
    let durable: Promise<void> | undefined;
    const outcome = this.run((now) => {
      this.commits.refuseWhileUnavailable('command');
      const decided = this.core.command(command, now);
      if (decided.outcome !== 'denied') durable = this.commits.join([command.target, command.system]);
      return decided;
    }, 'command');
    await durable;
    return outcome;
  }

  async release(system: string, target: string): Promise<void> {
    await this.run((now) => {
      this.commits.refuseWhileUnavailable('release');
      this.core.release(system, target, now);
      return this.commits.join([target, system]);
    }, 'release');
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
   * `writers` list it (SPEC.md §6): a refused write changes nothing. Facts are observations: in force even while
   * the store cannot write, and written once it can. A value the store could not keep is refused (`FactValueError`).
   */
  setFacts(facts: Readonly<Record<string, unknown>>, writer: FactWriter = 'sensor'): FactWriteOutcome {
    for (const [name, value] of Object.entries(facts)) storable(name, value);
    return this.run((now) => this.core.writeFacts(facts, writer, now), 'setFacts');
  }

  /**
   * Publishes what a health monitor found (engine/health/: trend warnings, diagnoses, lifetime alarms) on
   * `events$`, stamped with engine time, beside the engine's own decisions; it changes no claim or state.
   */
  announce(event: HealthEventInput): void {
    if (this.status !== 'running') throw new ArbiterStoppedError('announce');
    this.publish({ ...event, at: this.clock.now() } as ArbiterEvent);
  }

  async operator(action: OperatorAction, subject: { target?: string; system?: string } = {}): Promise<void> {
    await this.run((now) => {
      this.commits.refuseWhileUnavailable('operator');
      this.core.operator({ action, ...subject }, now);
      return this.commits.join(undefined, true);
    }, 'operator');
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
    await this.commits.settled();
  }

  /** The winner and every claim with its priority and why it wins or loses. */
  explain(target: string): Explanation | undefined {
    return this.core.explain(target);
  }

  /** One claimant's claim on `target` with its verdict and why, as `explain` gives it. */
  explainClaim(target: string, claimant: string): ClaimExplanation | undefined {
    return this.core.explainClaim(target, claimant);
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
    while (this.evaluating) await this.evaluating;
    await this.commits.settled();
    if (this.evaluating) await this.settled();
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
      this.commits.afterInput();
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
    return this.core.explainClaim(event.target, winner)?.reason;
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

/** Throws `FactValueError` for a value the store could not write, so that it never enters the engine. */
function storable(name: string, value: unknown): void {
  try {
    JSON.stringify(value);
  } catch (err) {
    throw new FactValueError(name, err instanceof RangeError ? 'nested too deeply' : err instanceof Error ? err.message : String(err));
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
