import type { Subscription } from 'rxjs';
import { checkConfig } from '../../check/check-config';
import { findingLine, type Finding } from '../../check/finding';
import { Arbiter, formatDuration, INSTANT_DEVICES, RealClock, type Clock, type CoreConfig, type DecisionLogger } from '../../engine';
import { TrendMonitor } from '../../engine/health/trend-monitor';
import { openDurableStore, type DurableStore } from '../../engine/store/durable-store';
import { StoreBackups } from '../../engine/store/store-backups';
import { clockAtStart } from '../../server/clock-behind';
import { ClockJumpMonitor, type ClockJump } from '../../server/clock-jump-monitor';
import { ServerTrends } from '../../server/server-trends';
import { timeSynchronisation } from '../../server/time-sync';
import type { Node, Translate } from './node-red';
import { statusOf, type StatusWord } from './status-vocabulary';

/** A client node as the supervisor sees it: something to badge, and what it subscribes to once the engine runs. */
export interface ArbiterClient {
  readonly node: Node;
  /** Called once the engine runs; what it returns is released when the client deregisters or the supervisor closes. */
  connect(arbiter: Arbiter): Subscription | undefined;
}

export type SupervisorSetup = { readonly config: CoreConfig; readonly storeFile: string } | { readonly problem: string };

function deferred<T>(): { promise: Promise<T>; resolve(value: T): void; reject(err: Error): void } {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  // Nobody may be waiting when it rejects (a supervisor closed before any input): not an unhandled rejection.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

type Phase = 'invalid' | 'starting' | 'running' | 'failed' | 'closed';

/** The static check found errors (SPEC.md §11): the configuration is refused, as an invalid one is. */
class CheckRefusal extends Error {
  constructor(label: string, errors: readonly Finding[]) {
    super(`${label}: home-arbiter check refuses the configuration:\n${errors.map((f) => `  ${findingLine(f)}`).join('\n')}`);
  }
}

/** How often the engine carries the clock to the store's high-water mark when nothing else is committed. */
const HEARTBEAT_MS = 10_000;
/** How often the process's trends are sampled unless settings.js says otherwise (`serve`'s `trends.every`). */
export const TRENDS_EVERY_MS = 60_000;

/** The engine's clock: wall-clock time from the store's high-water mark on, advanced by monotonic time. */
export type SupervisorClock = Clock & Pick<RealClock, 'drift'>;

export interface SupervisorOptions {
  /** Decisions at debug level: only when Node-RED logs at debug, since building each sentence costs. */
  readonly logDecisions?: boolean;
  /** ms between two samples of the process's trends: free disk of the store, memory, growth of the store. */
  readonly trendsEvery?: number;
  /** The engine's clock from the store's mark on: a RealClock; tests give one in virtual time. */
  readonly clock?: (notBefore: number) => SupervisorClock;
}

/** What runs beside the engine while it runs: started after it, stopped before it. */
interface HealthMonitor {
  start(): void;
  stop(): void;
}

/**
 * What an `arbiter-supervisor` config node owns: one engine on one SQLite store, and the client nodes that use it
 * (the broker/client pattern of core/network/10-mqtt.js). It pushes lifecycle badges to its clients; their live
 * badges come from what they subscribe to.
 */
export class Supervisor {
  private readonly clients = new Map<string /* client node id */, { client: ArbiterClient; subscription?: Subscription }>();
  private phase: Phase;
  private arbiter?: Arbiter;
  private durable?: DurableStore;
  private readonly started = deferred<Arbiter>();
  private refusal?: string;
  /** The static check's warnings, shown on every client once the engine runs. */
  private warnings: readonly Finding[] = [];
  private health: HealthMonitor[] = [];

  constructor(
    private readonly node: Node,
    private readonly translate: Translate,
    private readonly setup: SupervisorSetup,
    private readonly options: SupervisorOptions = {},
  ) {
    this.phase = 'problem' in setup ? 'invalid' : 'starting';
  }

  /** The validated configuration, for client nodes to check theirs against; undefined when invalid. */
  get config(): CoreConfig | undefined {
    return 'config' in this.setup ? this.setup.config : undefined;
  }

  /** The configuration error (or the static check's refusal), for client nodes that must not attach an input handler. */
  get problem(): string | undefined {
    return 'problem' in this.setup ? this.setup.problem : this.refusal;
  }

  /**
   * Checks the configuration (SPEC.md §11: errors refuse it, warnings are logged and badged), then opens the store
   * and starts the engine: claims of the previous deploy come back (SPEC.md §9).
   */
  start(): void {
    if ('problem' in this.setup) {
      this.node.error(this.setup.problem);
      return;
    }
    if (this.phase !== 'starting' || this.arbiter) return;
    const { config, storeFile } = this.setup;
    const starting = (async () => {
      const timeSync = timeSynchronisation();
      const { findings } = await checkConfig(config);
      const errors = findings.filter((f) => f.severity === 'error');
      if (errors.length > 0) throw new CheckRefusal(this.label, errors);
      this.warnings = findings.filter((f) => f.severity === 'warning');
      for (const w of this.warnings) this.node.warn(`home-arbiter check: ${findingLine(w)}`);
      if (this.phase !== 'starting') throw new Error(`${this.label}: closed before it started`);
      // The store's lock (two engines on one store would overwrite each other's claims: a copied supervisor with
      // an explicit store file, another process), the check for silent loss, the store on its own thread.
      this.durable = await openDurableStore(storeFile, { command: this.label, backups: new StoreBackups(storeFile), problem: (m) => this.node.warn(m) });
      const { store } = this.durable;
      const clockCheck = clockAtStart(store.info.mark, Date.now(), await timeSync);
      const clock = this.options.clock?.(store.info.mark) ?? new RealClock({ notBefore: store.info.mark });
      const arbiter = new Arbiter({ config, store, clock, devices: INSTANT_DEVICES, logger: this.logger(), heartbeat: HEARTBEAT_MS });
      this.arbiter = arbiter;
      await arbiter.start();
      return { arbiter, clock, clockCheck };
    })();
    starting.then(
      ({ arbiter, clock, clockCheck }) => {
        if (this.phase !== 'starting') return;
        this.phase = 'running';
        for (const entry of this.clients.values()) this.connect(entry);
        this.monitor(arbiter, clock, storeFile);
        if (!clockCheck.ok) this.clockBehind(arbiter, clockCheck.message);
        this.started.resolve(arbiter);
      },
      (err: unknown) => {
        if (this.phase === 'closed') return;
        if (err instanceof CheckRefusal) {
          this.phase = 'invalid';
          this.refusal = err.message;
          this.node.error(err.message);
          this.badgeAll('invalid');
          this.started.reject(err);
          return;
        }
        this.phase = 'failed';
        void this.closeStore();
        const failure = `cannot start the arbiter on ${storeFile}: ${err instanceof Error ? err.message : String(err)}`;
        this.node.error(failure);
        this.badgeAll('failed');
        this.started.reject(new Error(failure));
      },
    );
  }

  /**
   * Resolves with the running engine; rejects when the configuration is invalid, the engine did not start or the
   * supervisor closed first. A message that arrives before the deployed flows have started waits here.
   */
  ready(): Promise<Arbiter> {
    if (this.problem) return Promise.reject(new Error(this.problem));
    return this.started.promise;
  }

  register(client: ArbiterClient): void {
    const entry: { client: ArbiterClient; subscription?: Subscription } = { client };
    this.clients.set(client.node.id, entry);
    if (this.phase === 'running') this.connect(entry);
    else this.badge(client, this.phase === 'failed' ? 'failed' : this.phase === 'invalid' ? 'invalid' : 'starting');
  }

  deregister(client: ArbiterClient): void {
    this.clients.get(client.node.id)?.subscription?.unsubscribe();
    this.clients.delete(client.node.id);
  }

  /** Stops the engine and closes the store so that the next deploy reopens it; a second call does nothing. */
  async stop(): Promise<void> {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    for (const monitor of this.health) monitor.stop();
    this.health = [];
    for (const entry of this.clients.values()) entry.subscription?.unsubscribe();
    this.badgeAll('closed');
    this.clients.clear();
    // A no-op once settled; otherwise inputs still waiting learn that this engine will not start.
    this.started.reject(new Error(`${this.label}: closed before it started`));
    await this.started.promise.catch(() => undefined);
    await this.closeStore();
  }

  /** The engine closes its store; a store without an engine (a failed start) is closed here; then the lock goes. */
  private async closeStore(): Promise<void> {
    if (this.arbiter) await this.arbiter.stop();
    else await this.durable?.store.close();
    this.durable?.lock.release();
  }

  private get label(): string {
    return `arbiter-supervisor "${this.node.name || this.node.id}"`;
  }

  private connect(entry: { client: ArbiterClient; subscription?: Subscription }): void {
    this.badge(entry.client, 'ready');
    if (this.warnings.length > 0) entry.client.node.status(statusOf(this.translate, 'checked', { count: this.warnings.length }));
    try {
      entry.subscription = entry.client.connect(this.arbiter!);
    } catch (err) {
      // One faulty client must not take the supervisor or the other clients down (STYLE.md, Errors).
      entry.client.node.error(`cannot connect to ${this.label}: ${err instanceof Error ? err.message : String(err)}`);
      this.badge(entry.client, 'failed');
    }
  }

  /**
   * The health monitors of `serve` that apply to a Node-RED home, started once the clients are connected so that
   * the first sample's warnings reach them: the process's trends (free disk of the store's file system, memory,
   * growth of the store) as `trend-warning` on the engine's stream, and steps of the wall clock. The devices are
   * flows, which the supervisor can neither time nor read back, so no device trend or lifetime counter runs here.
   */
  private monitor(arbiter: Arbiter, clock: SupervisorClock, storeFile: string): void {
    const trends = new TrendMonitor((w) => arbiter.running && arbiter.announce({ type: 'trend-warning', ...w }));
    this.health = [
      new ServerTrends(trends, clock, storeFile, this.options.trendsEvery ?? TRENDS_EVERY_MS, (message) => this.finding(arbiter, 'store', message)),
      new ClockJumpMonitor(() => clock.drift(), (jump) => this.clockJumped(arbiter, jump), clock),
    ];
    for (const monitor of this.health) monitor.start();
  }

  /**
   * A step of the wall clock changes no decision (leases and holds run on monotonic time), but the times of events
   * before and after it are not comparable: a warning in the log, and a `clock` finding on the engine's stream for
   * `arbiter-events` nodes (`serve` logs it as its own `clock-jump` event, which the engine's catalogue lacks).
   */
  private clockJumped(arbiter: Arbiter, { jump, drift }: ClockJump): void {
    const amount = (ms: number) => formatDuration(Math.round(Math.abs(ms) / 1000) * 1000);
    const message = `clock-jump: the wall clock stepped ${amount(jump)} ${jump > 0 ? 'ahead' : 'back'} and is now ${amount(drift)} ${drift >= 0 ? 'ahead of' : 'behind'} the engine's time (monotonic since the start); leases and holds are not affected, times logged before and after the step are not comparable`;
    this.finding(arbiter, 'clock', message);
  }

  /**
   * The wall clock was behind the store's high-water mark at start: the engine's clock starts at the mark, and the
   * flows hear of it as `serve`'s operator does, once the clients are connected: an alarm and a clock finding.
   */
  private clockBehind(arbiter: Arbiter, message: string): void {
    arbiter.announce({ type: 'alarm', kind: 'clock-behind', message });
    this.finding(arbiter, 'clock', message);
  }

  /** A failed health check: a warning in Node-RED's log, and a diagnostics finding for `arbiter-events` nodes. */
  private finding(arbiter: Arbiter, subject: 'store' | 'clock', message: string): void {
    this.node.warn(message);
    if (arbiter.running) arbiter.announce({ type: 'diagnostics', results: [{ subject, ok: false, message }] });
  }

  private badge(client: ArbiterClient, word: StatusWord): void {
    client.node.status(statusOf(this.translate, word));
  }

  private badgeAll(word: StatusWord): void {
    for (const { client } of this.clients.values()) this.badge(client, word);
  }

  /**
   * Decisions at debug level, built only when Node-RED logs at debug (flows see them through arbiter-events);
   * engine errors as node errors, so Catch nodes see them.
   */
  private logger(): DecisionLogger {
    return {
      decision: (_event, sentence) => this.options.logDecisions && this.node.debug(sentence()),
      error: (message, context) => this.node.error(`${message}${context ? ` ${JSON.stringify(context)}` : ''}`),
    };
  }
}
