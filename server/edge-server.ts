import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import type { Subscription } from 'rxjs';
import { checkConfig, type CheckResult } from '../check/check-config';
import { countBySeverity, formatCounts } from '../check/check-report';
import { Arbiter, type DevicePort } from '../engine/arbiter';
import { RealClock, type Clock } from '../engine/clock';
import type { DecisionLogger } from '../engine/decision-logger';
import type { ArbiterStore, StoreBatch } from '../engine/store/arbiter-store';
import type { BackupEntry } from '../engine/store/store-backups';
import type { DeviceAdapter } from '../adapters/device-adapter';
import { DeviceRouter, type AdapterStart } from '../adapters/device-router';
import { IdlePathDiagnosis } from '../engine/health/idle-path-diagnosis';
import { MeasuredDevices } from '../engine/health/measured-devices';
import { TrendMonitor } from '../engine/health/trend-monitor';
import { VIRTUAL, type VirtualAdapter } from '../adapters/virtual';
import { ActiveAlarms } from './active-alarms';
import { createAdapters } from './adapter-registry';
import { Authenticator } from './auth';
import { clockAtStart } from './clock-behind';
import { ClockJumpMonitor } from './clock-jump-monitor';
import { DecisionLog, type LogEntry } from './decision-log';
import { DemoDriver } from './demo-driver';
import { Diagnostics } from './diagnostics';
import { DispatchLimiter } from './dispatch-limiter';
import { EventStream } from './event-stream';
import { FaultRecords, type FaultSnapshot } from './fault-records';
import { HttpApi } from './http-api';
import { LastCommands } from './last-commands';
import { LifetimeMonitor } from './lifetime-monitor';
import { ServerMetrics } from './metrics';
import { ServerTrends } from './server-trends';
import { PluginHost } from './plugins';
import { loggedCredential, OPERATOR, systemCredential, type CredentialId } from './secrets';
import type { ServerConfig } from './server-config';
import { ServerStore } from './server-store';
import { Sessions } from './sessions';
import type { LogSigner } from './signing-key';
import { StatusPage } from './status-page';
import { timeSynchronisation } from './time-sync';
import type { AnyEvent, DiagnosticResult, ServerEvent, ServerEventInput } from './server-events';

export interface EdgeServerOptions {
  readonly config: ServerConfig;
  /** scrypt hash per credential; null runs without authentication (`--insecure-dev`). */
  readonly secrets: ReadonlyMap<CredentialId, string> | null;
  readonly port?: number;
  readonly host?: string;
  /** Signs the decision log's checkpoints; absent, nothing is signed. */
  readonly signer?: LogSigner;
  /** Human-readable lines for the operator (stderr in the CLI). */
  readonly say?: (line: string) => void;
  /** Start on a store that lost data (issue 11): without it, start-up is refused and names the fix. */
  readonly acceptLoss?: boolean;
  /** Where cluster mode and the fleet plug in (cluster/, fleet/); a single home needs none. */
  readonly hooks?: EdgeServerHooks;
}

/** Small, well-defined points where cluster mode and the fleet attach to the server. */
export interface EdgeServerHooks {
  /** Wraps the port that each dispatch goes through right before its adapter (cluster: the epoch fence). */
  readonly devices?: (port: DevicePort) => DevicePort;
  /** After each local durable commit; its commands are acknowledged once this resolves (cluster: replicated). */
  readonly acknowledge?: (batch: StoreBatch) => Promise<void>;
  /** Each decision-log entry as it is recorded (fleet: the off-box log and the safety-alarm rate). */
  readonly recorded?: (entry: LogEntry) => void;
  /** Extra fields of `/api/status` (cluster: role, epoch, peer; fleet: bundle version). */
  readonly status?: () => Record<string, unknown>;
  /**
   * At start, dispatch every desired state again, also those the store says the devices have (cluster: a new
   * leader cannot know which of the old leader's dispatches arrived).
   */
  readonly reassert?: boolean;
}

/** Device commands in flight at once: the batch size of a reconciliation after a restart. */
const MAX_IN_FLIGHT = 8;
const EVENTS_IN_FAULT_RECORD = 50;
const RETENTION_EVERY_MS = 3_600_000;
/** How long a stop waits for the requests under way to be answered. */
const STOP_GRACE_MS = 2_000;
/** How often the engine carries the clock to the store when nothing else is committed (the high-water mark). */
const HEARTBEAT_MS = 10_000;

/**
 * The composition root of `home-arbiter serve`: it builds the store, decision log, adapters, engine, plugins
 * and HTTP API, and starts them in that order (zigbee2mqtt's controller.ts is the model); `stop()` undoes it.
 * A cluster's warm standby does the part that decides, logs and dispatches nothing beforehand (`prepare`).
 */
export class EdgeServer {
  private clock = new RealClock();
  /** The engine's time, whichever clock runs: `start` starts it again at the store's mark after a `prepare`. */
  private readonly time: Clock = { now: () => this.clock.now(), schedule: (at, callback) => this.clock.schedule(at, callback) };
  private readonly say: (line: string) => void;
  private serverStore?: ServerStore;
  private db?: Database.Database;
  private log?: DecisionLog;
  private faults?: FaultRecords;
  private arbiter?: Arbiter;
  private router?: DeviceRouter;
  private limiter?: DispatchLimiter;
  private adapters?: readonly DeviceAdapter[];
  /** The adapters' start, when `prepare` connected them before the engine runs. */
  private adaptersStarted?: AdapterStart[];
  private timeSync?: Promise<string>;
  private lifetime?: LifetimeMonitor;
  private trends?: TrendMonitor;
  private diagnosis?: IdlePathDiagnosis;
  private serverTrends?: ServerTrends;
  private plugins?: PluginHost;
  private demo?: DemoDriver;
  private clockMonitor?: ClockJumpMonitor;
  private http?: Server;
  private metrics?: ServerMetrics;
  private readonly stream: EventStream;
  private retentionTimer?: NodeJS.Timeout;
  private subscription?: Subscription;
  private diagnostics?: Diagnostics;
  private readonly alarms = new ActiveAlarms();
  private readonly lastCommands = new LastCommands();
  private recovered = false;
  private status: 'created' | 'prepared' | 'running' | 'stopped' = 'created';
  /** The static check of the configuration (SPEC.md §11), run beside the server so that it never delays the start. */
  private checking?: Promise<CheckResult>;
  private readonly checkAbort = new AbortController();

  constructor(private readonly options: EdgeServerOptions) {
    this.say = options.say ?? (() => undefined);
    this.stream = new EventStream(options.config.maxStreams);
  }

  /** The base URL once listening. */
  get url(): string {
    const address = this.http?.address() as AddressInfo | null;
    if (!address) throw new Error('the server is not listening');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `${this.options.config.tls ? 'https' : 'http'}://${host}:${address.port}`;
  }

  /**
   * Everything of `start` that decides, logs and dispatches nothing, for a cluster's warm standby (issue 15): the
   * store opened under its lock and checked, the decision log opened, the adapters connected (what the devices say
   * meanwhile is kept for the engine, DeviceRouter), the engine built but not started. Returns the engine's store,
   * to which the standby applies the claim stream until `start`, which then starts the engine in milliseconds.
   */
  async prepare(): Promise<ArbiterStore> {
    await this.build(true);
    return this.serverStore!.store;
  }

  async start(): Promise<void> {
    if (this.status === 'created') await this.build(false);
    if (this.status !== 'prepared') throw new Error(`start: the server is already ${this.status}`);
    this.status = 'running';
    const { config } = this.options;
    const serverStore = this.serverStore!;
    const { store, mark, lossFault } = serverStore;
    // A warm standby's store took the active's commits since `prepare`: leases are measured from their mark too.
    this.clock = new RealClock({ notBefore: mark });
    const [log, faults, arbiter, router, limiter] = [this.log!, this.faults!, this.arbiter!, this.router!, this.limiter!];
    const crashed = faults.unfinishedRun();
    if (crashed) await this.tolerate('the crash fault record', () => this.recordCrash(store, crashed));
    if (lossFault) log.append({ type: 'fault', at: this.clock.now(), id: lossFault.id, kind: 'store-loss', reason: lossFault.reason });
    await this.tolerate('the run marker', () => faults.markRunning());
    this.retain(log);

    await arbiter.start();
    this.recovered = crashed !== undefined;
    this.lifetime = new LifetimeMonitor(this.db!, arbiter, config.lifetime, (e) => this.emit(e), this.time);
    this.lifetime.start();
    this.serverTrends = new ServerTrends(this.trends!, this.time, config.storeFile, config.trendsEvery, (message) => {
      this.say(`trends: ${message}`);
      if (arbiter.running) arbiter.announce({ type: 'diagnostics', results: [{ subject: 'store', ok: false, message }] });
    });
    this.serverTrends.start();
    // Without `prepare` the adapters start once the engine runs, as they always did; its dispatches wait for them.
    const prepared = this.adaptersStarted;
    const started = prepared ? [...prepared, ...(await router.start(arbiter, (a) => a.exclusive === true))] : await router.start(arbiter);
    this.diagnoseStart(started, mark, await this.timeSync!);
    limiter.open();
    this.diagnosis = new IdlePathDiagnosis(arbiter, (target) => router.read(target), this.time, config.diagnosticsEvery);
    this.diagnosis.start();

    this.plugins = new PluginHost(arbiter, config.plugins, {
      say: (line) => this.say(line),
      loaded: (module, system) => this.emit({ type: 'plugin-loaded', module, system }),
      refused: (module, reason) => this.emit({ type: 'plugin-refused', module, reason }),
      ended: (module, system, reason) => this.emit({ type: 'plugin-ended', module, system, reason }),
    });
    await this.plugins.start();
    const virtual = this.adapters!.find((a) => a.name === VIRTUAL) as VirtualAdapter | undefined;
    const devices = {
      setReachable: (id: string, reachable: boolean) => (reachable ? virtual?.heal(id) : virtual?.inject(id, 'unreachable')),
      slowDown: (id: string, latency: number) => virtual?.slowDown(id, latency),
    };
    this.demo = new DemoDriver(arbiter, config.demo, devices, (m) => this.say(m));
    this.demo.start();
    this.clockMonitor = new ClockJumpMonitor(() => this.clock.drift(), (jump) => this.emit({ type: 'clock-jump', ...jump }), this.time);
    this.clockMonitor.start();
    this.retentionTimer = setInterval(() => this.retain(log), RETENTION_EVERY_MS);
    this.retentionTimer.unref();
    this.stream.start();
    serverStore.scheduleBackups((result) => {
      if (!(result instanceof Error)) return this.emit({ type: 'backup', file: result.file, commit: result.commit });
      this.say(`backup failed: ${result.message}`);
      this.emit({ type: 'backup', error: result.message });
    });
    await this.listen(this.metrics!, arbiter, log);
    this.emit({ type: 'server-started', recovered: this.recovered, claims: arbiter.tables.snapshot().claims.length });
  }

  /** Builds what `start` starts; with `connect`, connects the adapters too (`prepare`). */
  private async build(connect: boolean): Promise<void> {
    if (this.status !== 'created') throw new Error(`prepare: the server is already ${this.status}`);
    this.status = 'prepared';
    const { config } = this.options;
    this.checking = checkConfig(config.core, { signal: this.checkAbort.signal });
    this.checking.then(
      (r) => this.say(`check: ${formatCounts(countBySeverity(r.findings))} in ${config.source} (GET /api/check lists them)`),
      (err: unknown) => {
        if (!this.checkAbort.signal.aborted) this.say(`check failed: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
    const memory = config.storeFile === 'memory';
    this.timeSync = timeSynchronisation();
    // The lock and the check for silent loss come before anything else starts (issue 11).
    const serverStore = (this.serverStore = await ServerStore.open(config, { acceptLoss: this.options.acceptLoss, say: this.say }));
    this.clock = new RealClock({ notBefore: serverStore.mark });
    // The log, fault records and counters use their own connection to the same file: the engine closes its store.
    const db = (this.db = new Database(memory ? ':memory:' : config.storeFile));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    // The store's checkpoint thread copies the WAL back; a commit of the log must never do it on the event loop.
    if (!memory) db.pragma('wal_autocheckpoint = 0');
    const log = (this.log = new DecisionLog(db, config.retention, memory ? undefined : this.options.signer));
    this.alarms.restore(log);
    this.faults = new FaultRecords(db);

    const credentials = new Set([OPERATOR, ...config.core.systems.map((s) => systemCredential(s.id))]);
    const metrics = (this.metrics = new ServerMetrics(new Map(config.bindings.map((b) => [b.actuatorId, b.adapter])), credentials));
    const adapters = (this.adapters = createAdapters(config.bindings, config.adapterOptions, { clock: this.time, baseDir: config.baseDir }));
    const router = (this.router = new DeviceRouter(adapters, config.bindings, { clock: this.time }));
    // Trend warnings go out on the engine's stream (log, live stream, Node-RED alike), once the engine runs.
    const trends = (this.trends = new TrendMonitor((w) => this.arbiter?.running && this.arbiter.announce({ type: 'trend-warning', ...w })));
    const hooks = this.options.hooks ?? {};
    const measured = new MeasuredDevices(hooks.devices ? hooks.devices(router) : router, this.time, trends);
    const limiter = (this.limiter = new DispatchLimiter(measured, MAX_IN_FLIGHT, (target, seconds) => metrics.dispatched(target, seconds)));
    const arbiter = (this.arbiter = new Arbiter({ config: config.core, clock: this.time, store: serverStore.store, devices: limiter, logger: this.engineLogger(), heartbeat: HEARTBEAT_MS, acknowledge: hooks.acknowledge, reassert: hooks.reassert }));
    this.subscription = arbiter.events$.subscribe((event) => this.record(event));
    // A warm standby's adapter problems are its own business until it takes over: said, not logged as the home's.
    this.subscription.add(router.problems$.subscribe((p) => (this.status === 'running' ? this.emit({ type: 'adapter-problem', ...p }) : this.say(`adapter ${p.adapter}: ${p.message}`))));
    this.subscription.add(router.readings$.subscribe((r) => trends.reading(r.actuatorId, r.measure, r.value)));
    if (!connect) return;
    // A standby connects the adapters that only listen and read at start; an exclusive one waits for the take-over.
    this.adaptersStarted = await router.start(arbiter, (a) => a.exclusive !== true);
    // The engine's first dispatches then need not wait for the adapters, which are connected already.
    if (!adapters.some((a) => a.exclusive)) limiter.open();
  }

  /** Stops in the reverse order of start (or of `prepare`); a second call does nothing. */
  async stop(): Promise<void> {
    const ran = this.status === 'running';
    if (!ran && this.status !== 'prepared') {
      this.status = 'stopped';
      return;
    }
    this.status = 'stopped';
    this.checkAbort.abort();
    await this.checking?.catch(() => undefined);
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    this.serverStore?.stopBackups();
    this.clockMonitor?.stop();
    this.stream.stop();
    if (this.http) {
      // Requests under way are answered (a command the engine took must not lose its answer to a restart on a
      // policy bundle); idle keep-alive connections close at once, anything still open after a grace period too.
      const http = this.http;
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise<void>((resolve) => (grace = setTimeout(resolve, STOP_GRACE_MS)))]);
      clearTimeout(grace);
      http.closeAllConnections();
      await closed;
    }
    this.demo?.stop();
    await this.plugins?.stop();
    this.diagnosis?.stop();
    this.serverTrends?.stop();
    this.lifetime?.stop();
    await this.router?.stop();
    if (this.arbiter?.running) this.emit({ type: 'server-stopped', clean: true });
    await this.arbiter?.stop();
    this.subscription?.unsubscribe();
    // A standby that never ran leaves the log as it found it, and the marker of a run of its own that crashed.
    if (ran && this.log) await this.tolerate('the decision log\'s last checkpoint', () => this.log!.checkpoint());
    if (ran && this.faults) await this.tolerate('the clean-stop marker', () => this.faults!.markStopped());
    this.db?.close();
    await this.serverStore?.release();
  }

  /** An online backup now, as the schedule takes them. */
  async backup(): Promise<BackupEntry> {
    if (!this.serverStore) throw new Error('backup: the server is not running');
    const entry = await this.serverStore.backup();
    this.emit({ type: 'backup', file: entry.file, commit: entry.commit });
    return entry;
  }

  /**
   * An uncaught exception: a fault record with what the home looked like, before the process exits. It never
   * throws: a record it cannot write (a full disk) is reported in the returned sentence instead.
   */
  recordException(err: unknown): string {
    try {
      if (!this.faults || !this.arbiter || !this.db?.open) return 'no fault record: the server had not started';
      const id = this.faults.record('exception', err instanceof Error ? (err.stack ?? err.message) : String(err), this.snapshot());
      this.log?.append({ type: 'fault', at: this.clock.now(), id, kind: 'exception', reason: String(err) });
      this.log?.flush();
      return `fault record #${id} written`;
    } catch (failure) {
      return `no fault record: ${failure instanceof Error ? failure.message : String(failure)}`;
    }
  }

  /** Writes of the server's own that a full disk may refuse: said, and the server carries on (issue 11). */
  private async tolerate(what: string, write: () => unknown): Promise<void> {
    try {
      await write();
    } catch (err) {
      this.say(`${what} not written: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Retention and the hourly checkpoint write too: on a full disk they wait for the next hour rather than ending the server. */
  private retain(log: DecisionLog): void {
    try {
      log.applyRetention();
      log.checkpoint();
    } catch (err) {
      this.say(`decision log retention postponed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** The start-up diagnostics: the adapters as they started, the store, the clock. */
  private diagnoseStart(started: AdapterStart[], mark: number, timeSync: string): void {
    const { config } = this.options;
    this.diagnostics = new Diagnostics(config, this.arbiter!, () => this.clock.drift());
    const results = this.diagnostics.run(started, {
      store: this.serverStore!.diagnostic(),
      clock: this.clockDiagnostic(mark, timeSync),
    });
    this.arbiter!.announce({ type: 'diagnostics', results });
    for (const r of results.filter((r) => !r.ok)) this.say(`diagnostics: ${r.subject}: ${r.message}`);
  }

  /** The clock at start (clock-behind.ts); behind the store's mark, also an alarm. */
  private clockDiagnostic(mark: number, timeSync: string): Omit<DiagnosticResult, 'subject'> {
    const result = clockAtStart(mark, Date.now(), timeSync);
    if (!result.ok) this.arbiter!.announce({ type: 'alarm', kind: 'clock-behind', message: result.message });
    return result;
  }

  private async listen(metrics: ServerMetrics, arbiter: Arbiter, log: DecisionLog): Promise<void> {
    const { config } = this.options;
    const auth = new Authenticator(this.options.secrets, config.lockout, {
      lockout: (source, credential, until) => this.emit({ type: 'auth-lockout', source, credential: loggedCredential(credential), until }),
    });
    const api = new HttpApi({
      arbiter,
      auth,
      log,
      stream: this.stream,
      metrics,
      lifetime: this.lifetime!,
      alarms: this.alarms,
      lastCommands: this.lastCommands,
      page: new StatusPage(),
      reads: config.reads,
      sessions: new Sessions(),
      secure: config.tls !== undefined,
      emit: (e) => this.emit(e),
      check: () => this.checking!,
      status: () => ({
        store: this.serverStore!.status(arbiter.storeUnavailable, log.unwritten),
        diagnostics: this.diagnostics?.report() ?? [],
        alarms: this.alarms.list(),
        factDeclarations: config.core.facts,
        plugins: this.plugins?.status ?? [],
        recovered: this.recovered,
        lastSeq: log.lastSeq,
        clockDrift: this.clock.drift(),
        faults: this.faults!.list(10).map(({ snapshot: _s, ...f }) => f),
        ...this.options.hooks?.status?.(),
      }),
    });
    const listener = (req: Parameters<HttpApi['handle']>[0], res: Parameters<HttpApi['handle']>[1]) => void api.handle(req, res);
    this.http = config.tls ? createHttpsServer({ cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) }, listener) : createHttpServer(listener);
    const http = this.http;
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(this.options.port ?? config.port, this.options.host ?? config.host, () => {
        http.off('error', reject);
        resolve();
      });
    });
  }

  /**
   * Every event, engine's or ours: decision log, live stream, metrics, active alarms, last commands, and a fault
   * record for adapter faults.
   */
  private record(event: AnyEvent): void {
    const entry = this.log!.append(event);
    if (event.type === 'diagnostics') this.diagnostics?.observe(event.results, event.at);
    this.stream.publish(entry);
    this.options.hooks?.recorded?.(entry);
    this.metrics?.observe(event);
    this.alarms.observe(entry);
    this.lastCommands.observe(entry);
    if (event.type === 'degraded' && event.target && this.status === 'running' && this.faults) {
      const reason = `${event.target}: ${event.reason ?? 'unreachable'}`;
      try {
        const id = this.faults.record('adapter', reason, this.snapshot());
        this.emit({ type: 'fault', id, kind: 'adapter', reason });
      } catch (err) {
        // A full disk must not turn a degraded device into a crash (this runs inside an rxjs subscriber).
        this.say(`no fault record for ${reason}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  /** Records a server event (the hooks' own: role changes, bundle steps) in the log, the stream and metrics. */
  note(event: ServerEventInput): void {
    this.emit(event);
  }

  private emit(event: ServerEventInput): void {
    if (!this.log || !this.db?.open) return;
    this.record({ ...event, at: this.clock.now() } as ServerEvent);
  }

  private snapshot(): FaultSnapshot {
    const s = this.arbiter!.tables.snapshot();
    return { claims: s.claims, actuators: s.actuators, lastEvents: this.log!.read(Math.max(0, this.log!.lastSeq - EVENTS_IN_FAULT_RECORD)) };
  }

  /** The previous run died without a clean stop: record what the store holds before the engine recovers it. */
  private async recordCrash(store: ArbiterStore, run: { pid: number; started: number }): Promise<void> {
    const s = await store.load();
    const reason = `the previous run (pid ${run.pid}, started ${new Date(run.started).toISOString()}) did not stop cleanly`;
    const id = this.faults!.record('crash', reason, { claims: s.claims, actuators: s.actuators, lastEvents: this.log!.read(Math.max(0, this.log!.lastSeq - EVENTS_IN_FAULT_RECORD)) });
    this.log!.append({ type: 'fault', at: this.clock.now(), id, kind: 'crash', reason });
    this.say(`recovering: ${reason}; fault record #${id} written`);
  }

  private engineLogger(): DecisionLogger {
    // Decisions go to the decision log (record()); only the engine's own errors reach the operator's console.
    return { decision: () => undefined, error: (message, context) => this.say(`engine: ${message}${context ? ` ${JSON.stringify(context)}` : ''}`) };
  }
}
