import type { KeyObject } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { KV } from '@nats-io/kv';
import { checkConfig } from '../check/check-config';
import { ConfigError } from '../engine/config/config-error';
import { formatDuration } from '../engine/core/duration';
import type { LogEntry, LoggedEvent } from '../server/decision-log';
import { withSections, type ServerConfig } from '../server/server-config';
import type { ServerEventCatalogue, ServerEventInput } from '../server/server-events';
import { NatsLink } from '../cluster/nats-link';
import { BundleLedger, type HeldBundle } from './bundle-ledger';
import { canaryBucket, inCanary } from './canary';
import { bundleDigest, BundleRefusal, claimedVersion, openBundle, parseSignedBundle, type BundleBody, type SignedBundle } from './policy-bundle';
import { alarmLabel, isSafetyAlarm } from './safety-alarms';

export const BUNDLES_BUCKET = 'arbiter_bundles';
export const homeBundleKey = (home: string) => `home.${home}`;
export const groupBundleKey = (group: string) => `group.${group}`;
/** The deciding node's verdict on a probation, for the other nodes of the home (and the fleet). */
const verdictKey = (home: string) => `verdict.${home}`;
const POLL_MS = 1_000;
/** The previous configuration's alarm rate is taken over at most this much of its history. */
const RATE_WINDOW_MS = 86_400_000;

type Step = ServerEventCatalogue['bundle']['step'];

/** What the follower needs of the home it updates (cluster/edge-node.ts through fleet-member.ts, or a test's). */
export interface BundleHost {
  /** Runs the home on this configuration from now on; rejects when it cannot start on it (the old one runs again). */
  reconfigure(config: ServerConfig, why: ServerEventInput): Promise<void>;
  /** Records a step in the decision log; false where no server runs to record it (a standby). */
  note(event: ServerEventInput): boolean;
  /** Whether this node concludes a probation now: the active node of a cluster, or a home of one node. */
  decides(): boolean;
  /** The systems of these that have no credential in the home's secrets file. */
  missingCredentials(systems: readonly string[]): string[];
}

export interface FollowerSettings {
  readonly home: string;
  readonly group?: string;
  readonly publicKey: KeyObject;
  readonly probation: number;
}

interface Verdict {
  readonly digest: string;
  readonly version: number;
  readonly step: 'kept' | 'rolled-back';
  readonly reason: string;
  readonly node: string;
}

/** Where the home stands with bundles: `/api/status` `fleet.bundle`, the fleet report, `fleet status`. */
export interface BundleStatus {
  /** The version in force; null: the configuration file as it is. */
  readonly version: number | null;
  readonly probationUntil: number | null;
  /** The last step taken here, of whichever bundle. */
  readonly last: { readonly version: number | null; readonly step: Step; readonly reason: string | null } | null;
}

/**
 * Signed remote policy updates with rollback (issue 15, function 11), on one home. It reads the home's key and its
 * group's key of the bundles bucket every second; a bundle it has not handled yet is verified against the pinned
 * public key, admitted (its scope, no downgrade except a signed rollback from the version in force, the canary
 * share), validated (the configuration rules on the whole configuration, a credential for each system, no
 * error of the static check), then applied at once by restarting the home on it. On probation, a safety alarm
 * beyond what the previous configuration's rate allows for the probation's length rolls it back by itself. Every
 * step goes to the decision log and the ledger; verdicts are published back to the bucket, where the other nodes
 * of the home follow them.
 */
export class BundleFollower {
  private kv?: KV;
  private timer?: NodeJS.Timeout;
  private readonly revisions = new Map<string /* key */, number>();
  private work: Promise<void> = Promise.resolve();
  private probationTimer?: NodeJS.Timeout;
  /** Safety alarms of the bundle on probation, as labels. */
  private alarms: string[] = [];
  private config: ServerConfig;
  private last: { version: number | null; step: Step; reason: string | null } | undefined;
  private stopped = false;

  private readonly ledger: BundleLedger;

  /** `db`: the home's store file (the ledger's tables, and the decision log the previous alarm rate is read from). */
  constructor(
    private readonly settings: FollowerSettings,
    private readonly base: ServerConfig,
    private readonly host: BundleHost,
    private readonly db: Database.Database,
    private readonly node: string,
    private readonly say: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.config = base;
    this.ledger = new BundleLedger(db);
  }

  /** The configuration to start with: the file's, with the bundle in force (its signature checked again). */
  initialConfig(): ServerConfig {
    const current = this.ledger.state.current;
    if (!current) return this.base;
    try {
      this.config = this.configOf(current);
    } catch (err) {
      this.say(`fleet: bundle ${current.version} in force no longer passes (${err instanceof Error ? err.message : String(err)}); running the configuration file`);
    }
    return this.config;
  }

  async start(link: NatsLink, replicas: number): Promise<void> {
    const kv = await NatsLink.untilDone('fleet: the bundles bucket', () => link.bucket(BUNDLES_BUCKET, replicas), this.say, { tries: Infinity, wanted: () => !this.stopped });
    if (this.stopped) return;
    this.kv = kv;
    this.resumeProbation();
    this.timer = setInterval(() => this.enqueue(() => this.poll()), POLL_MS);
    this.enqueue(() => this.poll());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.probationTimer) clearTimeout(this.probationTimer);
    await this.work;
  }

  get status(): BundleStatus {
    const state = this.ledger.state;
    return { version: state.current?.version ?? null, probationUntil: state.probation?.until ?? null, last: this.last ?? null };
  }

  /** Each decision-log entry of the running server: a safety alarm counts against a bundle on probation. */
  recorded(entry: LogEntry): void {
    if (!isSafetyAlarm(entry.event, this.config.core)) return; // first: most entries are not, and the ledger is a read
    const state = this.ledger.state;
    if (!state.probation || !state.current) return;
    this.alarms.push(alarmLabel(entry.event));
    if (this.alarms.length <= state.probation.allowance) return;
    const current = state.current;
    const elapsed = formatDuration(Math.max(0, this.now() - (state.appliedAt ?? this.now())));
    const reason = `${this.alarms.length} safety alarm${this.alarms.length === 1 ? '' : 's'} within ${elapsed} of probation (${this.alarms.join(', ')}); the previous configuration's rate allows ${round(state.probation.allowance)} in ${formatDuration(this.settings.probation)}`;
    this.enqueue(async () => {
      if (this.ledger.state.current?.digest === current.digest && this.ledger.state.probation) await this.rollBack(current, reason, true);
    });
  }

  private enqueue(step: () => Promise<void>): void {
    this.work = this.work.then(step).catch((err: unknown) => this.say(`fleet: bundles: ${err instanceof Error ? err.message : String(err)}`));
  }

  private async poll(): Promise<void> {
    if (this.stopped || !this.kv) return;
    const keys = [homeBundleKey(this.settings.home), ...(this.settings.group ? [groupBundleKey(this.settings.group)] : []), verdictKey(this.settings.home)];
    for (const key of keys) {
      const entry = await this.kv.get(key);
      if (!entry || entry.operation !== 'PUT' || this.revisions.get(key) === entry.revision) continue;
      this.revisions.set(key, entry.revision);
      if (key === verdictKey(this.settings.home)) await this.follow(entry.json<Verdict>());
      else await this.take(entry.value);
    }
  }

  /** A bundle read from the bucket: handled once, whatever comes of it. */
  private async take(bytes: Uint8Array): Promise<void> {
    let signed: SignedBundle;
    try {
      signed = parseSignedBundle(bytes);
    } catch (err) {
      signed = { payload: new TextDecoder().decode(bytes), signature: '' };
      if (!this.ledger.seen(bundleDigest(signed))) this.step(bundleDigest(signed), signed, null, 'refused', (err as Error).message);
      return;
    }
    const digest = bundleDigest(signed);
    if (this.ledger.seen(digest)) return;
    const claimed = claimedVersion(signed);
    this.step(digest, signed, claimed, 'received', undefined);
    let body: BundleBody;
    let config: ServerConfig;
    try {
      body = openBundle(signed, this.settings.publicKey);
      const skip = this.admit(body);
      if (skip) {
        this.step(digest, signed, body.version, 'skipped', skip);
        return;
      }
      config = await this.validate(body);
    } catch (err) {
      if (!(err instanceof BundleRefusal)) throw err;
      this.step(digest, signed, claimed, 'refused', err.message);
      return;
    }
    await this.apply({ digest, version: body.version, signed }, body, config);
  }

  /**
   * Scope and version: no downgrade, except a signed rollback from exactly the version in force. Returns why the
   * bundle is not for this home after all (the canary share; already in force: a rollout widened), if so.
   */
  private admit(body: BundleBody): string | undefined {
    const { home, group } = this.settings;
    if ('home' in body.scope && body.scope.home !== home) throw new BundleRefusal(`addressed to home ${body.scope.home}, this is ${home}`);
    if ('group' in body.scope && body.scope.group !== group) throw new BundleRefusal(`addressed to group ${body.scope.group}, this home is in ${group ?? 'no group'}`);
    const state = this.ledger.state;
    if (body.rollback) {
      const current = state.current?.version;
      if (current !== body.rollback.from) throw new BundleRefusal(`a rollback from version ${body.rollback.from}, but ${current === undefined ? 'no bundle' : `version ${current}`} is in force`);
      if (body.version >= body.rollback.from) throw new BundleRefusal(`a rollback must go to a lower version than ${body.rollback.from}, not ${body.version}`);
    } else if (state.current?.version === body.version && JSON.stringify(openBundle(state.current.signed, this.settings.publicKey).content) === JSON.stringify(body.content)) {
      return `version ${body.version} is in force already`;
    } else if (body.version <= state.highest) {
      throw new BundleRefusal(`version ${body.version} is not above ${state.highest}, the highest this home has taken (no downgrade except a signed rollback bundle)`);
    }
    if (!inCanary(home, body.canary)) return `not in the canary share: this home's bucket is ${canaryBucket(home)}, the bundle is for buckets below ${body.canary}`;
    return undefined;
  }

  /** The whole configuration with the bundle, as the file is checked; then the static check (SPEC.md §11). */
  private async validate(body: BundleBody): Promise<ServerConfig> {
    let config: ServerConfig;
    try {
      config = withSections(this.base, body.content, `bundle ${body.version}`);
    } catch (err) {
      if (err instanceof ConfigError) throw new BundleRefusal(`invalid configuration: ${err.message}`);
      throw err;
    }
    const missing = this.host.missingCredentials(config.core.systems.map((s) => s.id));
    if (missing.length > 0) throw new BundleRefusal(`no credential in this home's secrets file for ${missing.join(', ')} (add ${missing.length === 1 ? 'it' : 'them'} there first)`);
    const errors = (await checkConfig(config.core)).findings.filter((f) => f.severity === 'error');
    if (errors.length > 0) throw new BundleRefusal(`the static check found ${errors.length} error${errors.length === 1 ? '' : 's'}: ${errors.map((f) => `${f.kind}: ${f.message}`).join('; ')}`);
    return config;
  }

  private async apply(bundle: HeldBundle, body: BundleBody, config: ServerConfig): Promise<void> {
    const state = this.ledger.state;
    const at = this.now();
    const allowance = this.allowance(at, state.appliedAt);
    const until = at + this.settings.probation;
    const previous = state.current?.version ?? null;
    const reason = `${body.rollback ? `signed rollback from version ${body.rollback.from}; ` : ''}on probation until ${new Date(until).toISOString()}, at most ${round(allowance)} safety alarms (the previous configuration's rate)`;
    try {
      await this.host.reconfigure(config, { type: 'bundle', step: 'applied', version: bundle.version, previous, reason });
    } catch (err) {
      this.step(bundle.digest, bundle.signed, bundle.version, 'refused', `the home could not start on it (${err instanceof Error ? err.message : String(err)}); the previous configuration runs again`);
      return;
    }
    this.config = config;
    this.ledger.applied(bundle, at, { until, allowance });
    this.ledger.record(bundle.digest, bundle.version, bundle.signed, 'applied', reason, at);
    this.last = { version: bundle.version, step: 'applied', reason };
    this.say(`fleet: bundle ${bundle.version} applied; ${reason}`);
    this.alarms = [];
    this.scheduleProbationEnd(until);
  }

  /** Back to what ran before: the previous bundle, or the configuration file. */
  private async rollBack(current: HeldBundle, reason: string, publish: boolean): Promise<void> {
    this.clearProbation();
    const previous = this.ledger.state.previous;
    let config = this.base;
    if (previous) {
      try {
        config = this.configOf(previous);
      } catch (err) {
        reason += `; the previous bundle ${previous.version} no longer passes (${err instanceof Error ? err.message : String(err)}), so the configuration file runs`;
      }
    }
    await this.host.reconfigure(config, { type: 'bundle', step: 'rolled-back', version: current.version, previous: previous?.version ?? null, reason });
    this.config = config;
    const at = this.now();
    this.ledger.rolledBack(at);
    this.ledger.record(current.digest, current.version, current.signed, 'rolled-back', reason, at);
    this.last = { version: current.version, step: 'rolled-back', reason };
    this.say(`fleet: bundle ${current.version} rolled back: ${reason}`);
    if (publish) await this.publishVerdict({ digest: current.digest, version: current.version, step: 'rolled-back', reason, node: this.node });
  }

  private async keep(current: HeldBundle, reason: string, publish: boolean): Promise<void> {
    this.clearProbation();
    this.ledger.kept();
    this.step(current.digest, current.signed, current.version, 'kept', reason);
    if (publish) await this.publishVerdict({ digest: current.digest, version: current.version, step: 'kept', reason, node: this.node });
  }

  /** Another node of the home concluded the probation of the bundle in force here too. */
  private async follow(verdict: Verdict): Promise<void> {
    const current = this.ledger.state.current;
    if (verdict.node === this.node || !this.ledger.state.probation || current?.digest !== verdict.digest) return;
    const reason = `node ${verdict.node}: ${verdict.reason}`;
    if (verdict.step === 'rolled-back') await this.rollBack(current, reason, false);
    else await this.keep(current, reason, false);
  }

  private scheduleProbationEnd(until: number): void {
    this.probationTimer = setTimeout(() => this.enqueue(() => this.probationEnded()), Math.max(0, until - this.now()));
  }

  /** After a restart: the probation under way goes on for what is left of it (its alarms so far are not known). */
  private resumeProbation(): void {
    const { probation, current } = this.ledger.state;
    if (probation && current) this.scheduleProbationEnd(probation.until);
  }

  private async probationEnded(): Promise<void> {
    const { probation, current } = this.ledger.state;
    if (!probation || !current) return;
    // A standby has no alarms of its own to judge by: it waits for the active node's verdict.
    if (!this.host.decides()) return void (this.probationTimer = setTimeout(() => this.enqueue(() => this.probationEnded()), POLL_MS));
    await this.keep(current, `${this.alarms.length} safety alarm${this.alarms.length === 1 ? '' : 's'} in ${formatDuration(this.settings.probation)} of probation, at most ${round(probation.allowance)} allowed`, true);
  }

  private clearProbation(): void {
    if (this.probationTimer) clearTimeout(this.probationTimer);
    this.probationTimer = undefined;
    this.alarms = [];
  }

  private async publishVerdict(verdict: Verdict): Promise<void> {
    await this.kv?.put(verdictKey(this.settings.home), JSON.stringify(verdict)).catch((err: unknown) => this.say(`fleet: publishing the verdict on bundle ${verdict.version}: ${String(err)}`));
  }

  /**
   * How many safety alarms a probation may see: the previous configuration's rate (its decision-log alarms since
   * it was applied, over a day at most and at least one probation length) times the probation's length.
   */
  private allowance(now: number, appliedAt: number | undefined): number {
    const since = Math.max(appliedAt ?? this.logStart() ?? now, now - RATE_WINDOW_MS);
    const alarms = this.loggedAlarms(since, now).filter((event) => isSafetyAlarm(event, this.config.core));
    return (alarms.length * this.settings.probation) / Math.max(now - since, this.settings.probation);
  }

  private hasLog(): boolean {
    return this.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'decision_log'").get() !== undefined;
  }

  private logStart(): number | undefined {
    if (!this.hasLog()) return undefined;
    return (this.db.prepare('SELECT MIN(wall) AS wall FROM decision_log').get() as { wall: number | null }).wall ?? undefined;
  }

  private loggedAlarms(since: number, until: number): LoggedEvent[] {
    if (!this.hasLog()) return [];
    const rows = this.db.prepare("SELECT body FROM decision_log WHERE type = 'alarm' AND wall >= ? AND wall < ? AND body IS NOT NULL").all(since, until) as { body: string }[];
    return rows.map((r) => JSON.parse(r.body) as LoggedEvent);
  }

  private configOf(bundle: HeldBundle): ServerConfig {
    return withSections(this.base, openBundle(bundle.signed, this.settings.publicKey).content, `bundle ${bundle.version}`);
  }

  /** A step that changes nothing here but the record: in the ledger, the decision log, the status and stderr. */
  private step(digest: string, signed: SignedBundle, version: number | null, step: Step, reason: string | undefined): void {
    this.ledger.record(digest, version, signed, step, reason, this.now());
    this.last = { version, step, reason: reason ?? null };
    this.host.note({ type: 'bundle', step, version: version ?? 0, previous: this.ledger.state.current?.version ?? null, ...(reason ? { reason } : {}) });
    if (step !== 'received') this.say(`fleet: bundle ${version ?? '?'} ${step}${reason ? `: ${reason}` : ''}`);
  }
}

const round = (n: number) => Math.round(n * 100) / 100;
