import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { z } from 'zod';
import type { CoreConfig } from '../engine/core/arbiter-core';
import {
  arbiterConfigShape,
  coreConfigFrom,
  deviceBindings,
  durationSchema,
  stateSchema,
  zodIssues,
  type RawArbiterConfig,
} from '../engine/config/arbiter-config';
import { ConfigError } from '../engine/config/config-error';
import { selects } from '../engine/core/selector';
import type { ActuatorBinding } from '../adapters/device-adapter';
import { DEFAULT_DIAGNOSIS_EVERY } from '../engine/health/idle-path-diagnosis';
import { parseYaml } from '../scenario/load-scenario';
import { clusterSchema, clusterSettingsFrom, type ClusterSettings } from '../cluster/cluster-config';
import { DEFAULT_PROBATION_MS, fleetSchema, type FleetSettings } from '../fleet/fleet-config';

const positiveInt = z.number().int().positive();

/**
 * `lifetime: {cycles, hours, until}` on an actuator: a warning event when a declared limit nears, a
 * `lifetime-exceeded` alarm when it is reached or the service period `until` (a date, `2031-04-01`) ends.
 */
const lifetimeSchema = z.strictObject({
  cycles: positiveInt.optional(),
  hours: z.number().positive().optional(),
  until: z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'must be a date (2031-04-01) or a date and time with its offset' }).optional(),
});
const actuatorSchema = arbiterConfigShape.actuators.element.extend({ lifetime: lifetimeSchema.optional() });

const serverSchema = z.strictObject({
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  /** PEM files; without them the server speaks plain HTTP, which doctor refuses on a non-loopback address. */
  tls: z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }).optional(),
  /** Live event streams (`GET /api/events` as SSE) open at once; one more is answered 503. */
  maxStreams: positiveInt.optional(),
});

const authSchema = z.strictObject({
  /** JSON file with the scrypt hashes of the operator's and each system's secret (mode 0600, never committed). */
  secretsFile: z.string().min(1).optional(),
  lockout: z.strictObject({ failures: positiveInt.optional(), window: durationSchema.optional(), duration: durationSchema.optional() }).optional(),
  /** `open`: anyone who reaches the address may read states and events; `operator`: reads need the operator. */
  reads: z.enum(['open', 'operator']).optional(),
});

const storeSchema = z.strictObject({
  /** SQLite file, or `memory` for a store that forgets everything at exit (doctor warns about it). */
  file: z.string().min(1).optional(),
  synchronous: z.enum(['full', 'normal']).optional(),
  /** Online backups on a schedule (and before every schema upgrade): how often, how many kept, where. */
  backups: z.strictObject({ every: durationSchema.optional(), keep: positiveInt.optional(), dir: z.string().min(1).optional() }).optional(),
});

const logSchema = z.strictObject({
  /** Ordinary entries lose their body after this long; safety entries (life, alarms, denials) after `safetyMaxAge`. */
  maxAge: durationSchema.optional(),
  safetyMaxAge: durationSchema.optional(),
  /** The Ed25519 key that signs the log's checkpoints (PEM, mode 0600), kept apart from the store; made on the first run. */
  signingKey: z.string().min(1).optional(),
});

const pluginSchema = z.strictObject({
  /** The entry module; its folder is the plugin: all it may read, and all that `sha256` pins. */
  module: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits (the sha256 of the plugin\'s folder, docs/server.md)'),
  /** The control system whose rights (category, rank, targets) the plugin acts with. */
  system: z.string().min(1),
  options: z.record(z.string(), z.unknown()).optional(),
  /**
   * The plugin may open sockets (a weather service, say). Off by default: the plugin runs in a network namespace of
   * its own, so it cannot reach the devices behind the arbitration's back (server/network-confinement.ts).
   */
  network: z.boolean().optional(),
});

/** One line of the built-in demo driver: a system repeating commands, or a fact changing, on a period; a device failing. */
const demoStepSchema = z.union([
  z.strictObject({ system: z.string().min(1), target: z.string().min(1), states: z.array(stateSchema).min(1), every: durationSchema, ttl: durationSchema.optional(), offset: durationSchema.optional() }),
  z.strictObject({ fact: z.string().min(1), values: z.array(z.unknown()).min(1), every: durationSchema, offset: durationSchema.optional() }),
  /** A device of the virtual adapter drops off every `every` for `for`, to show a degraded device. */
  z.strictObject({ fault: z.string().min(1), every: durationSchema, for: durationSchema, offset: durationSchema.optional() }),
  /** A device of the virtual adapter takes `latency` per command from `offset` on (wearing out), to show a trend warning. */
  z.strictObject({ slow: z.string().min(1), latency: durationSchema, offset: durationSchema.optional() }),
]);

export const serverConfigSchema = z.strictObject({
  ...arbiterConfigShape,
  actuators: z.array(actuatorSchema),
  server: serverSchema.optional(),
  auth: authSchema.optional(),
  store: storeSchema.optional(),
  log: logSchema.optional(),
  /** Options per adapter name, passed to its constructor (`adapters: {zigbee2mqtt: {url: mqtt://…}}`). */
  adapters: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  plugins: z.array(pluginSchema).optional(),
  demo: z.array(demoStepSchema).optional(),
  /** A hot standby through NATS JetStream (cluster/); absent: a single server, as always. */
  cluster: clusterSchema.optional(),
  /** The off-box decision log and signed policy bundles through NATS (fleet/); absent: none. */
  fleet: fleetSchema.optional(),
  /** Read-back of the actuators life and property claims can reach (engine/health/idle-path-diagnosis.ts). */
  diagnostics: z.strictObject({ every: durationSchema.optional() }).optional(),
  /** How often the server samples its own trends (free disk of the store, memory, log growth). */
  trends: z.strictObject({ every: durationSchema.optional() }).optional(),
});
type RawServerConfig = z.output<typeof serverConfigSchema>;
export type DemoStep = z.output<typeof demoStepSchema>;
export type PluginEntry = z.output<typeof pluginSchema>;
export type LifetimeLimit = z.output<typeof lifetimeSchema>;

export interface LogRetention {
  readonly maxAge: number;
  readonly safetyMaxAge: number;
}

export interface LockoutSettings {
  readonly failures: number;
  readonly window: number;
  readonly duration: number;
}

/** Everything the edge server needs, validated, with every path resolved against the config file's folder. */
export interface ServerConfig {
  readonly source: string;
  /** The file's content as read, before validation: a fleet bundle replaces sections of it (withSections). */
  readonly document: Readonly<Record<string, unknown>>;
  readonly core: CoreConfig;
  readonly bindings: readonly ActuatorBinding[];
  readonly adapterOptions: Readonly<Record<string, Record<string, unknown>>>;
  /** The configuration file's folder. */
  readonly baseDir: string;
  readonly lifetime: ReadonlyMap<string /* actuator id */, LifetimeLimit>;
  readonly host: string;
  readonly port: number;
  readonly tls?: { readonly cert: string; readonly key: string };
  readonly maxStreams: number;
  readonly secretsFile: string;
  readonly lockout: LockoutSettings;
  readonly reads: 'open' | 'operator';
  /** Absolute path of the SQLite file, or `memory`. */
  readonly storeFile: string;
  readonly synchronous: 'full' | 'normal';
  /** Scheduled online backups of the store (absolute `dir`). */
  readonly backups: { readonly every: number; readonly keep: number; readonly dir: string };
  readonly retention: LogRetention;
  /** The decision log's signing key (its public key beside it, `signing-key.ts`). */
  readonly signingKeyFile: string;
  readonly plugins: readonly PluginEntry[];
  readonly demo: readonly DemoStep[];
  readonly cluster?: ClusterSettings;
  readonly fleet?: FleetSettings;
  /** ms between two diagnoses of the idle life and property paths. */
  readonly diagnosticsEvery: number;
  /** ms between two samples of the server's trends. */
  readonly trendsEvery: number;
}

export const DEFAULT_PORT = 8787;
export const DEFAULT_HOST = '127.0.0.1';
const DAY = 86_400_000;

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
/** Whether only this machine can reach `host`: plain HTTP is acceptable there and nowhere else. */
export const isLoopback = (host: string): boolean => LOOPBACK.has(host) || (isIP(host) === 4 && host.startsWith('127.')) || /^::ffff:127\./i.test(host);

/** Parses and validates a server configuration; every problem is reported at once with its field path. */
export function serverConfigFrom(raw: unknown, source: string): ServerConfig {
  const parsed = serverConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(zodIssues(parsed.error), source);
  const data: RawServerConfig = parsed.data;
  const shared: RawArbiterConfig = {
    config: data.config,
    actuators: data.actuators.map(({ lifetime: _lifetime, ...actuator }) => actuator),
    systems: data.systems,
    facts: data.facts,
    policies: data.policies,
  };
  const core = coreConfigFrom(shared, source);
  checkReferences(data, core, source);
  const base = dirname(resolve(source));
  const at = (p: string) => resolve(base, p);
  const secretsFile = at(data.auth?.secretsFile ?? '.secrets/home-arbiter.json');
  const config: ServerConfig = {
    source,
    document: raw as Record<string, unknown>,
    core,
    bindings: deviceBindings(shared),
    adapterOptions: data.adapters ?? {},
    baseDir: base,
    lifetime: new Map(data.actuators.flatMap((a) => (a.lifetime ? [[a.id, a.lifetime] as const] : []))),
    host: data.server?.host ?? DEFAULT_HOST,
    port: data.server?.port ?? DEFAULT_PORT,
    ...(data.server?.tls ? { tls: { cert: at(data.server.tls.cert), key: at(data.server.tls.key) } } : {}),
    maxStreams: data.server?.maxStreams ?? 32,
    secretsFile,
    lockout: { failures: 5, window: 60_000, duration: 300_000, ...data.auth?.lockout },
    reads: data.auth?.reads ?? 'open',
    storeFile: data.store?.file === 'memory' ? 'memory' : at(data.store?.file ?? 'home-arbiter.sqlite'),
    synchronous: data.store?.synchronous ?? 'full',
    backups: {
      every: data.store?.backups?.every ?? DAY,
      keep: data.store?.backups?.keep ?? 7,
      dir: at(data.store?.backups?.dir ?? `${data.store?.file ?? 'home-arbiter.sqlite'}.backups`),
    },
    retention: { maxAge: data.log?.maxAge ?? 30 * DAY, safetyMaxAge: data.log?.safetyMaxAge ?? 365 * DAY },
    signingKeyFile: data.log?.signingKey ? at(data.log.signingKey) : secretsFile.replace(/(\.json)?$/, '.signing.pem'),
    plugins: (data.plugins ?? []).map((p) => ({ ...p, module: at(p.module) })),
    demo: data.demo ?? [],
    diagnosticsEvery: data.diagnostics?.every ?? DEFAULT_DIAGNOSIS_EVERY,
    trendsEvery: data.trends?.every ?? 60_000,
    ...(data.cluster ? { cluster: clusterSettingsFrom(data.cluster) } : {}),
    ...(data.fleet ? { fleet: fleetSettings(data, at) } : {}),
  };
  checkPluginFolders(config);
  return config;
}

/**
 * The configuration with some of its top-level sections replaced (a fleet policy bundle's policies, facts,
 * systems, monitor settings), validated as a whole as the file is: plugins and demo lines must still name
 * declared systems, policies declared actuators. Errors name `what` beside the file.
 */
export function withSections(config: ServerConfig, sections: Readonly<Record<string, unknown>>, what: string): ServerConfig {
  try {
    return serverConfigFrom({ ...config.document, ...sections }, config.source);
  } catch (err) {
    throw err instanceof ConfigError ? new ConfigError(err.issues, `${config.source} with ${what}`) : err;
  }
}

/** `fleet:` with its defaults taken from `cluster:`; checkReferences has made sure that servers and home exist. */
function fleetSettings(data: RawServerConfig, at: (path: string) => string): FleetSettings {
  const fleet = data.fleet!;
  const home = (fleet.home ?? data.cluster?.home)!;
  return {
    servers: (fleet.servers ?? data.cluster?.servers)!,
    home,
    node: fleet.node ?? data.cluster?.node ?? 'main',
    ...(fleet.group ? { group: fleet.group } : {}),
    ...(fleet.publicKey ? { publicKey: at(fleet.publicKey) } : {}),
    probation: fleet.probation ?? DEFAULT_PROBATION_MS,
  };
}

/**
 * A plugin may read all of its folder: one that also holds the configuration, the store or the secrets would
 * read them (and its pin would change with every write to the store).
 */
function checkPluginFolders(config: ServerConfig): void {
  const guarded = [
    ['the configuration', resolve(config.source)],
    ['the store', config.storeFile],
    ['the secrets', config.secretsFile],
    ['the signing key', config.signingKeyFile],
  ] as const;
  const issues = config.plugins.flatMap((p, i) => {
    const folder = dirname(p.module);
    const held = guarded.filter(([, file]) => file !== 'memory' && !relative(folder, file).startsWith('..') && !isAbsolute(relative(folder, file)));
    return held.length === 0 ? [] : [{ path: `plugins[${i}].module`, message: `its folder ${folder} also holds ${held.map(([what]) => what).join(', ')}; give each plugin a folder of its own` }];
  });
  if (issues.length > 0) throw new ConfigError(issues, config.source);
}

/**
 * Plugins and demo lines must name declared systems, actuators and facts, and a system's targets must select some
 * actuator (as a rule's target must): a typo such as `kind:windw` is an error, not silence.
 */
function checkReferences(data: RawServerConfig, core: CoreConfig, source: string): void {
  const systems = new Set(core.systems.map((s) => s.id));
  const actuators = new Set(core.actuators.map((a) => a.id));
  const issues: { path: string; message: string }[] = [];
  core.systems.forEach((s, i) =>
    s.targets.forEach((selector, j) => {
      if (!core.actuators.some((a) => selects(selector, a))) issues.push({ path: `systems[${i}].targets[${j}]`, message: `selector "${selector}" matches no actuator` });
    }),
  );
  (data.plugins ?? []).forEach((p, i) => {
    if (!systems.has(p.system)) issues.push({ path: `plugins[${i}].system`, message: `"${p.system}" is not a declared system` });
  });
  (data.demo ?? []).forEach((d, i) => {
    if ('system' in d && !systems.has(d.system)) issues.push({ path: `demo[${i}].system`, message: `"${d.system}" is not a declared system` });
    if ('target' in d && !actuators.has(d.target)) issues.push({ path: `demo[${i}].target`, message: `"${d.target}" is not a declared actuator` });
    const device = 'fault' in d ? (['fault', d.fault] as const) : 'slow' in d ? (['slow', d.slow] as const) : undefined;
    if (device && data.actuators.find((a) => a.id === device[1])?.device?.adapter !== 'virtual') {
      issues.push({ path: `demo[${i}].${device[0]}`, message: `"${device[1]}" is not an actuator bound to the virtual adapter` });
    }
  });
  if (data.fleet && !data.fleet.servers && !data.cluster) issues.push({ path: 'fleet.servers', message: 'is required without a cluster section' });
  if (data.fleet && !data.fleet.home && !data.cluster) issues.push({ path: 'fleet.home', message: 'is required without a cluster section' });
  if ((data.cluster || data.fleet) && data.store?.file === 'memory') issues.push({ path: 'store.file', message: 'cluster and fleet need a store file: the standby applies the claim stream to it, the off-box log reads the decision log from it' });
  if (issues.length > 0) throw new ConfigError(issues, source);
}

/** Reads a YAML (or JSON) server configuration file. */
export function loadServerConfig(file: string): ServerConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ path: '', message: `cannot read the configuration: ${(err as Error).message}` }], file);
  }
  return serverConfigFrom(parseYaml(text, file), file);
}
