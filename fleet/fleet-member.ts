import Database from 'better-sqlite3';
import type { LogEntry } from '../server/decision-log';
import type { ServerConfig } from '../server/server-config';
import type { EdgeNode, NodeExtension } from '../cluster/edge-node';
import { NatsLink } from '../cluster/nats-link';
import { BundleFollower, type BundleHost, type BundleStatus } from './bundle-follower';
import { loadPublicKey } from '../server/signing-key';
import { LOG_STREAM, logSubject, OffBoxLog } from './off-box-log';
import type { FleetSettings } from './fleet-config';

export const HOMES_BUCKET = 'arbiter_homes';
const REPORT_EVERY_MS = 2_000;
/** An alarm counts as active on the fleet view for this long after it was raised. */
const ALARM_ACTIVE_MS = 600_000;

/** What a home publishes about itself for `home-arbiter fleet status`. */
export interface HomeReport {
  readonly home: string;
  readonly node: string;
  readonly role: 'active' | 'standby';
  /** The version of the policy bundle in force (null: the configuration file as it is). */
  readonly bundle: number | null;
  /** The last step of a bundle here (applied, kept, rolled-back, refused, …), with its version and reason. */
  readonly bundleStep: { readonly version: number | null; readonly step: string; readonly reason: string | null } | null;
  readonly alarms: readonly string[];
  readonly degraded: readonly string[];
  readonly forwarded: number | null;
  readonly at: number;
}

/**
 * A home's membership of the fleet: the off-box decision log (store and forward), the policy bundles it follows
 * (with `fleet.publicKey`), and the report behind the fleet view. NATS may be down when the home starts, or go
 * away later: the home serves as always (on the bundle in force), and the member connects, forwards, follows and
 * reports once it can.
 */
export class FleetMember implements NodeExtension {
  private link?: NatsLink;
  private log?: OffBoxLog;
  private node?: EdgeNode;
  private bundles?: { follower: BundleFollower; db: Database.Database };
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly alarms = new Map<string /* kind and subject */, number /* wall */>();
  private readonly degraded = new Set<string /* actuator id or fact */>();
  readonly hooks = {
    recorded: (entry: LogEntry) => this.recorded(entry),
    status: () => ({ fleet: { home: this.settings.home, node: this.settings.node, bundle: this.bundleStatus, forwarded: this.log?.forwarded ?? null } }),
  };

  constructor(
    private readonly settings: FleetSettings,
    private readonly replicas: number,
    private readonly storeFile: string,
    private readonly say: (line: string) => void,
  ) {}

  /** With a pinned fleet key, the home follows policy bundles: it starts on the one in force. */
  configure(config: ServerConfig): ServerConfig {
    const { publicKey, home, group, probation, node } = this.settings;
    if (!publicKey) return config;
    const db = new Database(this.storeFile);
    db.pragma('busy_timeout = 5000');
    const host: BundleHost = {
      reconfigure: (c, why) => this.node!.reconfigure(c, why),
      note: (event) => this.node?.note(event) ?? false,
      decides: () => this.node?.currentRole === 'active',
      missingCredentials: (systems) => this.node?.missingCredentials(systems) ?? [],
    };
    const follower = new BundleFollower({ home, ...(group ? { group } : {}), publicKey: loadPublicKey(publicKey), probation }, config, host, db, node, this.say);
    this.bundles = { follower, db };
    return follower.initialConfig();
  }

  async start(node: EdgeNode): Promise<void> {
    this.node = node;
    void this.connect().catch((err: unknown) => this.say(`fleet: ${String(err)}`));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.bundles?.follower.stop();
    this.bundles?.db.close();
    await this.log?.stop();
    await this.link?.close();
  }

  private get bundleStatus(): BundleStatus | null {
    return this.bundles?.follower.status ?? null;
  }

  private async connect(): Promise<void> {
    const { servers, home, node } = this.settings;
    const link = (this.link = await NatsLink.open(servers, `home-arbiter fleet ${home}/${node}`));
    if (this.stopped) return;
    await NatsLink.untilDone('fleet: the off-box log stream', () => link.stream(LOG_STREAM, ['arbiter.log.>'], this.replicas), this.say, { tries: Infinity, wanted: () => !this.stopped });
    const homes = await NatsLink.untilDone('fleet: the homes bucket', () => link.bucket(HOMES_BUCKET, this.replicas), this.say, { tries: Infinity, wanted: () => !this.stopped });
    if (this.stopped) return;
    this.log = new OffBoxLog(link, this.storeFile, logSubject(home, node));
    this.log.start();
    await this.bundles?.follower.start(link, this.replicas);
    this.timer = setInterval(() => void homes.put(`${home}.${node}`, JSON.stringify(this.report())).catch(() => undefined), REPORT_EVERY_MS);
  }

  private recorded(entry: LogEntry): void {
    this.log?.nudge();
    this.bundles?.follower.recorded(entry);
    const e = entry.event;
    const subject = String(e.target ?? e.fact ?? '');
    if (e.type === 'alarm') this.alarms.set(`${String(e.kind)}${subject || e.system ? ` ${subject || String(e.system)}` : ''}`, entry.wall);
    if (e.type === 'degraded' && subject) this.degraded.add(subject);
    if (e.type === 'restored') this.degraded.delete(subject);
  }

  private report(): HomeReport {
    const now = Date.now();
    for (const [key, wall] of this.alarms) if (now - wall > ALARM_ACTIVE_MS) this.alarms.delete(key);
    return {
      home: this.settings.home,
      node: this.settings.node,
      role: this.node?.currentRole ?? 'standby',
      bundle: this.bundleStatus?.version ?? null,
      bundleStep: this.bundleStatus?.last ?? null,
      alarms: [...this.alarms.keys()].sort(),
      degraded: [...this.degraded].sort(),
      forwarded: this.log?.forwarded ?? null,
      at: now,
    };
  }
}

/** The fleet's extensions of a node, from the configuration (none without `fleet:`). */
export function fleetExtensions(config: ServerConfig, say: (line: string) => void): NodeExtension[] {
  if (!config.fleet) return [];
  return [new FleetMember(config.fleet, config.cluster?.replicas ?? 1, config.storeFile, say)];
}
