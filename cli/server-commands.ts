import { chmodSync, existsSync, readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline/promises';
import Database from 'better-sqlite3';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { checkConfig } from '../check/check-config';
import { StoreBackups, inspectBackup } from '../engine/store/store-backups';
import { StoreLock } from '../engine/store/store-lock';
import { restoreStore } from '../engine/store/store-restore';
import { diagnoseConfig } from '../server/doctor';
import { EdgeServer } from '../server/edge-server';
import { EdgeNode } from '../cluster/edge-node';
import { fleetExtensions } from '../fleet/fleet-member';
import { verifyAgainst } from '../fleet/off-box-verify';
import { eraseFiles, lockFiles, storeFiles } from '../server/erase';
import { FaultRecords, listFaults } from '../server/fault-records';
import { rotateSigningKey } from '../server/key-rotation';
import { signedCheckpoints, verifyDecisionLog, type ExportedCheckpoint, type LogVerification } from '../server/log-verification';
import { networkConfinement } from '../server/network-confinement';
import { generateSecretsFile, loadSecrets, tokensFileFor, type LoadedSecrets } from '../server/secrets';
import { loadPublicKey, loadSigningKey, pendingKeyFileFor, publicKeyFileFor, retiredPublicKeyFiles, type LogSigner } from '../server/signing-key';
import { isLoopback, loadServerConfig, type ServerConfig } from '../server/server-config';

const say = (line: string) => process.stderr.write(`${line}\n`);
const out = (line: string) => process.stdout.write(`${line}\n`);

function systemIds(config: ServerConfig): string[] {
  return config.core.systems.map((s) => s.id);
}

/** First run: strong random secrets, printed where; afterwards the missing or weak ones are named. */
async function secretsFor(config: ServerConfig): Promise<LoadedSecrets> {
  if (!existsSync(config.secretsFile)) {
    const tokensFile = await generateSecretsFile(config.secretsFile, systemIds(config));
    say(`first run: generated strong random secrets for the operator and ${systemIds(config).length} systems`);
    say(`  hashes (read by the server): ${config.secretsFile}`);
    say(`  tokens (give each system its own, then delete this file): ${tokensFile}`);
  }
  return loadSecrets(config.secretsFile, systemIds(config));
}

/** The decision log's signing key, made on the first run like the secrets; none for a store in memory. */
function signerFor(config: ServerConfig): LogSigner | undefined {
  if (config.storeFile === 'memory') return undefined;
  const { signer, created } = loadSigningKey(config.signingKeyFile);
  if (created) {
    say(`first run: generated the decision log's signing key ${signer.keyId}`);
    say(`  private key (keep it apart from the store): ${config.signingKeyFile}`);
    say(`  public key (copy it elsewhere for \`log verify --public-key\`): ${publicKeyFileFor(config.signingKeyFile)}`);
  }
  return signer;
}

/** A store made by an older version, or by hand, may be readable by others: the server makes it its owner's alone. */
function ownerOnly(files: readonly string[]): void {
  for (const file of files.filter((f) => existsSync(f) && (statSync(f).mode & 0o077) !== 0)) {
    chmodSync(file, 0o600);
    say(`${file} was readable by other users; it is now mode 0600`);
  }
}

function openStore(config: ServerConfig): Database.Database {
  if (config.storeFile === 'memory') throw new Error(`${config.source}: store.file is memory; there is nothing on disk to read`);
  if (!existsSync(config.storeFile)) throw new Error(`${config.source}: no store at ${config.storeFile} (has the server run yet?)`);
  return new Database(config.storeFile, { readonly: true, fileMustExist: true });
}

async function serve(opts: { config: string; port?: number; host?: string; insecureDev?: boolean; acceptLoss?: boolean }): Promise<void> {
  const config = loadServerConfig(opts.config);
  const host = opts.host ?? config.host;
  if (!isLoopback(host) && !config.tls) {
    const where = opts.host !== undefined ? '--host' : `${config.source}: server.host`;
    if (!opts.insecureDev) {
      throw new Error(`${where}: refusing to listen on ${host} without TLS: tokens and commands would cross the network in clear (set server.tls {cert, key}, listen on 127.0.0.1 behind a TLS reverse proxy, or pass --insecure-dev for development)`);
    }
    say(`WARNING: --insecure-dev: listening on ${host} without TLS.`);
  }
  let secrets: LoadedSecrets | null = null;
  if (opts.insecureDev) say('WARNING: --insecure-dev: no authentication; every request is accepted. Never use this on a network.');
  else {
    secrets = await secretsFor(config);
    const fatal = secrets.problems.filter((p) => p.level === 'error');
    // The tokens file is named by the sign-in hint below, and by doctor as a warning.
    for (const p of secrets.problems.filter((p) => p.level === 'warning' && p.kind !== 'tokens-file')) say(`warning: ${p.credential}: ${p.message}`);
    if (fatal.length > 0) {
      throw new Error(`refusing to start with missing or weak secrets (or pass --insecure-dev for development):\n${fatal.map((p) => `  ${p.credential}: ${p.message}`).join('\n')}`);
    }
  }
  if (config.storeFile !== 'memory') ownerOnly(storeFiles(config.storeFile));
  const options = { config, secrets: secrets?.hashes ?? null, signer: signerFor(config), port: opts.port, host: opts.host, say, acceptLoss: opts.acceptLoss };
  const server = config.cluster || config.fleet ? new EdgeNode({ ...options, extensions: fleetExtensions(config, say) }) : new EdgeServer(options);
  process.once('uncaughtException', (err) => {
    // The crash handler never throws (issue 11): recordException reports what it could not write.
    try {
      say(`fatal: ${err.stack ?? err.message}`);
      say(server.recordException(err));
    } finally {
      process.exit(70);
    }
  });
  // Handlers first: a signal that arrives while starting (or right after the URL is printed) still stops cleanly.
  const starting = server.start();
  const shutdown = (signal: string) => {
    say(`${signal}: stopping`);
    starting
      .catch(() => undefined) // a failed start is reported by the command itself, below
      .then(() => server.stop())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          say(`stop failed: ${String(err)}`);
          process.exit(1);
        },
      );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  try {
    await starting;
  } catch (err) {
    await server.stop();
    throw err;
  }
  const role = server instanceof EdgeNode && config.cluster ? `, cluster node ${config.cluster.node}: ${server.currentRole}` : '';
  out(`home-arbiter listening on ${server.url} (status page ${server.url}/, store ${config.storeFile}${role})`);
  out(signInHint(config, opts.insecureDev === true));
}

/** How a person acts as the operator on the status page: the first thing a newcomer looks for. */
function signInHint(config: ServerConfig, insecure: boolean): string {
  if (insecure) return 'operator actions on the status page need no sign-in (--insecure-dev)';
  const tokens = tokensFileFor(config.secretsFile);
  return existsSync(tokens)
    ? `to stop, lock, release or acknowledge on the status page, "Sign in as operator" with the "operator" token in ${tokens}`
    : `to stop, lock, release or acknowledge on the status page, "Sign in as operator" with the operator token of the first run (its clear copy ${tokens} was deleted; deleting ${config.secretsFile} generates every token anew at the next start)`;
}

async function doctor(opts: { config: string }): Promise<void> {
  const config = loadServerConfig(opts.config);
  const checked = await checkConfig(config.core);
  const findings = diagnoseConfig(config, await loadSecrets(config.secretsFile, systemIds(config)), checked.findings, networkConfinement());
  for (const f of findings) out(`${f.level.toUpperCase().padEnd(7)} ${f.subject}: ${f.problem}\n        fix: ${f.fix}`);
  const errors = findings.filter((f) => f.level === 'error').length;
  out(`${errors} error(s), ${findings.length - errors} warning(s) in ${config.source}`);
  process.exitCode = errors > 0 ? 1 : 0;
}

async function verifyLog(opts: { config: string; json?: boolean; publicKey?: string[]; checkpoints?: string; against?: string }): Promise<void> {
  const config = loadServerConfig(opts.config);
  if (opts.against) return verifyLogAgainst(config, opts.against.split(','), opts.publicKey, opts.json);
  const publicKeys = opts.publicKey?.map(loadPublicKey);
  const exported = opts.checkpoints === undefined ? undefined : readCheckpoints(opts.checkpoints);
  const db = openStore(config);
  try {
    const result = verifyDecisionLog(db, { retention: config.retention, publicKeys, exported });
    if (opts.json) out(JSON.stringify(result, null, 2));
    else if (result.problems.length === 0) {
      out(`decision log intact: ${result.entries} entries (${result.firstSeq ?? '-'}..${result.lastSeq ?? '-'}), head hash ${result.headHash}`);
      if (publicKeys) out(`${result.checkpoints} signed checkpoints verified, the newest at entry ${result.lastCheckpointSeq ?? '-'}${exported ? `; ${exported.length} exported checkpoints found in the chain` : ''}${signedBy(result)}`);
      else out('signatures not checked: pass --public-key (and --checkpoints with an exported copy)');
    } else for (const p of result.problems) out(`TAMPERED entry ${p.seq}: ${p.problem}`);
    process.exitCode = result.problems.length === 0 ? 0 : 1;
  } finally {
    db.close();
  }
}

/** After a key rotation, which key signs from where. */
function signedBy(result: LogVerification): string {
  return result.keys.length > 1 ? `; signed by key ${result.keys.map((k) => (k.from === 0 ? k.keyId : `${k.keyId} from entry ${k.from}`)).join(', then ')}` : '';
}

/** `log checkpoints` writes one JSON object per line; a copy kept elsewhere is read back for `log verify --checkpoints`. */
function readCheckpoints(file: string): ExportedCheckpoint[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      let c: Partial<ExportedCheckpoint>;
      try {
        c = JSON.parse(line) as Partial<ExportedCheckpoint>;
      } catch (err) {
        throw new Error(`${file}: line ${i + 1}: not JSON: ${(err as Error).message}`);
      }
      if (!Number.isInteger(c.seq) || !Number.isInteger(c.wall) || typeof c.hash !== 'string' || typeof c.keyId !== 'string' || typeof c.signature !== 'string') {
        throw new Error(`${file}: line ${i + 1}: a checkpoint has seq, wall, hash, keyId and signature`);
      }
      return c as ExportedCheckpoint;
    });
}

function exportCheckpoints(opts: { config: string; since?: number }): void {
  const db = openStore(loadServerConfig(opts.config));
  try {
    for (const c of signedCheckpoints(db, opts.since)) out(JSON.stringify(c));
  } finally {
    db.close();
  }
}

/**
 * `log verify --against nats://…`: the home's log against its off-box copy (fleet/off-box-verify.ts), the
 * checkpoints of both checked with the decision log's public key (`--public-key`, else the one beside the key).
 */
async function verifyLogAgainst(config: ServerConfig, servers: string[], publicKeyFiles: string[] | undefined, json?: boolean): Promise<void> {
  const home = config.fleet?.home ?? config.cluster?.home;
  if (!home || !config.fleet) throw new Error(`${config.source}: --against needs a fleet section (the home's id in the off-box log)`);
  const publicKeys = (publicKeyFiles ?? [publicKeyFileFor(config.signingKeyFile)]).map(loadPublicKey);
  const db = openStore(config);
  try {
    const result = await verifyAgainst(db, servers, home, config.fleet.node, publicKeys);
    if (json) out(JSON.stringify(result, null, 2));
    else if (result.problems.length === 0) out(`decision log intact against the off-box copy: ${result.copied} entries copied (up to ${result.copiedUpTo}), ${result.checkpoints} signed checkpoints`);
    else for (const p of result.problems) out(`TAMPERED entry ${p.seq}: ${p.problem}`);
    process.exitCode = result.problems.length === 0 ? 0 : 1;
  } finally {
    db.close();
  }
}

/** `home-arbiter log rotate-key`: the server stopped, a new signing key takes over, handed over by the old one. */
function rotateKey(opts: { config: string }): void {
  const config = loadServerConfig(opts.config);
  if (config.storeFile === 'memory') throw new Error(`${config.source}: store.file is memory; there is no decision log on disk to sign`);
  const rotated = rotateSigningKey(config.storeFile, config.signingKeyFile, config.retention);
  out(`${rotated.seq !== undefined ? `entry ${rotated.seq}` : 'an interrupted rotation finished'}: the decision log's signing key ${rotated.previousKeyId} handed over to ${rotated.keyId}`);
  out(`  new private key: ${config.signingKeyFile}; its public key (copy it elsewhere): ${publicKeyFileFor(config.signingKeyFile)}`);
  out(`  the retired key's public key, to verify what it signed: ${rotated.retiredPublicKeyFile}`);
}

function faults(opts: { config: string; json?: boolean; id?: number }): void {
  const db = openStore(loadServerConfig(opts.config));
  try {
    const records = listFaults(db, opts.id !== undefined ? 1_000_000 : 100).filter((r) => opts.id === undefined || r.id === opts.id);
    if (opts.id !== undefined && records.length === 0) throw new Error(`no fault record #${opts.id}`);
    if (opts.json || opts.id !== undefined) out(JSON.stringify(records, null, 2));
    else if (records.length === 0) out('no fault records');
    else for (const r of records) {
      out(`#${r.id}  ${new Date(r.wall).toISOString()}  ${r.kind.padEnd(9)} ${r.reason}  (${r.snapshot.claims.length} claims, ${r.snapshot.lastEvents.length} events; --id ${r.id} for the snapshot)`);
    }
  } finally {
    db.close();
  }
}

/**
 * `home-arbiter erase`: the store with its journals, lock and backups, and the secrets, the first run's clear-text
 * tokens and the log's signing key, after one question (issue 10, item 10). The next start begins afresh.
 */
async function erase(opts: { config: string; yes?: boolean }): Promise<void> {
  const config = loadServerConfig(opts.config);
  const store = config.storeFile !== 'memory' && existsSync(config.storeFile);
  const secrets = [config.secretsFile, tokensFileFor(config.secretsFile), config.signingKeyFile, pendingKeyFileFor(config.signingKeyFile), publicKeyFileFor(config.signingKeyFile), ...retiredPublicKeyFiles(config.signingKeyFile)].filter((f) => existsSync(f));
  if (!store && secrets.length === 0) {
    out(`nothing to erase at ${config.storeFile} or beside ${config.secretsFile}`);
    return;
  }
  // The store's lock: a running server (or Node-RED supervisor) has it, and erase refuses naming the holder.
  const lock = store ? StoreLock.acquire(config.storeFile, 'erase') : undefined;
  let erased: string[];
  try {
    const backups = store ? backupsOf(config) : undefined;
    const files = [...(store ? storeFiles(config.storeFile) : []), ...(backups?.list().map((b) => b.file) ?? []), ...secrets].filter((f) => existsSync(f));
    if (!opts.yes) {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      const answer = await rl.question(
        `Erase claims, facts, states, the decision log, fault records, backups, the secrets, the clear-text tokens and the log's signing key in\n  ${files.join('\n  ')}\nThis cannot be undone. Type "erase" to confirm: `,
      );
      rl.close();
      if (answer.trim() !== 'erase') {
        out('not erased');
        process.exitCode = 1;
        return;
      }
    }
    erased = eraseFiles(files);
    for (const dir of [backups?.dir, dirname(config.secretsFile), dirname(config.signingKeyFile)]) {
      if (dir && existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
    }
  } finally {
    lock?.release();
  }
  // The lock files last, once released: erased while held, they would be recreated by the next one to open them.
  if (store) erased.push(...eraseFiles(lockFiles(config.storeFile).filter((f) => existsSync(f))));
  for (const file of erased) out(`overwritten and deleted ${file}`);
}

function backupsOf(config: ServerConfig): StoreBackups {
  if (config.storeFile === 'memory') throw new Error(`${config.source}: store.file is memory; there is nothing to back up or restore`);
  return new StoreBackups(config.storeFile, config.backups.dir, config.backups.keep);
}

/** `home-arbiter backup`: an online backup, with or without a server running (WAL readers wait for no one). */
async function backup(opts: { config: string }): Promise<void> {
  const config = loadServerConfig(opts.config);
  if (config.storeFile !== 'memory' && !existsSync(config.storeFile)) throw new Error(`${config.source}: no store at ${config.storeFile} (has the server run yet?)`);
  const entry = await backupsOf(config).takeOfFile();
  out(`backed up ${config.storeFile} at commit ${entry.commit} to ${entry.file}`);
}

/** `home-arbiter restore --from FILE`: the backup replaces the store (the store before is backed up first). */
async function restore(opts: { config: string; from: string }): Promise<void> {
  const config = loadServerConfig(opts.config);
  const restored = await restoreStore(config.storeFile, opts.from, backupsOf(config), (reason) => {
    const db = new Database(config.storeFile);
    try {
      const faults = new FaultRecords(db);
      faults.record('restore', reason, { claims: [], actuators: [], lastEvents: [] });
      // The backup may have been taken while a server ran: its run marker is not a crash of this store.
      faults.markStopped();
    } finally {
      db.close();
    }
    out(reason);
  });
  out(`restored ${config.storeFile}: store ${restored.info.identity} at commit ${restored.info.commits}; start the server to use it`);
}

/** `home-arbiter backups`: what there is to restore from, newest first, each checked. */
function listBackups(opts: { config: string }): void {
  const backups = backupsOf(loadServerConfig(opts.config));
  const entries = backups.list();
  if (entries.length === 0) out(`no backups in ${backups.dir}`);
  for (const b of entries) {
    const inspection = inspectBackup(b.file);
    out(`${b.file}  commit ${b.commit}  ${new Date(b.taken).toISOString()}${b.tag ? `  (${b.tag})` : ''}  ${inspection.ok ? 'sound' : `NOT SOUND: ${inspection.problem}`}`);
  }
}

const configOption = () => new Option('-c, --config <file>', 'server configuration (YAML)').makeOptionMandatory();
const collect = (value: string, previous: string[] = []) => [...previous, value];
const intArg = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('not a non-negative integer');
  return n;
};

/** `serve`, `doctor`, `log verify`, `faults` and `erase`: the edge server's commands (issue 5). */
export function registerServerCommands(program: Command): void {
  program
    .command('serve')
    .description('run the home edge server: engine, adapters, HTTP API, status page')
    .addOption(configOption())
    .option('-p, --port <port>', 'listen port (default: server.port or 8787; 0 picks a free one)', intArg)
    .option('--host <host>', 'listen address (default: server.host or 127.0.0.1)')
    .option('--insecure-dev', 'run without authentication (development only)')
    .option('--accept-loss', 'start even though the store lost acknowledged data (emptied, replaced, rolled back, corrupt); a fault record is written')
    .action(serve);
  program
    .command('doctor')
    .description('check a server configuration for unsafe settings; exit 1 on errors')
    .addOption(configOption())
    .action(doctor);
  const log = program.command('log').description('the decision log');
  log
    .command('verify')
    .description('check the decision log hash chain; names every edited, removed or early pruned entry; exit 1 if tampered')
    .addOption(configOption())
    .option('--public-key <file>', 'a signing key\'s public key (PEM), repeatable across key rotations (the oldest is enough to follow them): checkpoints and the anchor must verify with the key in force', collect)
    .option('--checkpoints <file>', 'checkpoints exported earlier by `log checkpoints`: each must still be in the chain')
    .option('--json', 'print the result as JSON')
    .option('--against <nats-urls>', 'also compare with the off-box copy on these NATS servers (comma-separated): names deleted or rewritten entries')
    .action(verifyLog);
  log
    .command('rotate-key')
    .description('replace the decision log\'s signing key (the server must be stopped): the old key signs the handover in the log, its public key is kept')
    .addOption(configOption())
    .action(rotateKey);
  log
    .command('checkpoints')
    .description('print the signed checkpoints, one JSON object per line, to keep a copy elsewhere')
    .addOption(configOption())
    .option('--since <seq>', 'only those after this entry', intArg)
    .action(exportCheckpoints);
  program
    .command('faults')
    .description('list fault records (snapshots written on adapter faults and crashes)')
    .addOption(configOption())
    .option('--json', 'print as JSON')
    .option('--id <n>', 'print one record with its snapshot', intArg)
    .action(faults);
  program
    .command('erase')
    .description('overwrite then delete the store, its journals, lock and backups, the secrets, the clear-text tokens and the signing key')
    .addOption(configOption())
    .option('-y, --yes', 'do not ask for confirmation')
    .action(erase);
  program
    .command('backup')
    .description('take an online backup of the store into its backups folder (a running server may stay up)')
    .addOption(configOption())
    .action(backup);
  program
    .command('backups')
    .description('list the backups of the store, newest first, each checked')
    .addOption(configOption())
    .action(listBackups);
  program
    .command('restore')
    .description('replace the store by a backup (the server must be stopped; the store before is backed up first)')
    .addOption(configOption())
    .requiredOption('--from <file>', 'the backup to restore')
    .action(restore);
}
