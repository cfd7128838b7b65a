import { existsSync, readFileSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { zodIssues } from '../engine/config/arbiter-config';
import { ConfigError } from '../engine/config/config-error';
import { readYamlFile } from '../scenario/load-scenario';
import { NatsLink } from '../cluster/nats-link';
import { BUNDLES_BUCKET, groupBundleKey, homeBundleKey } from '../fleet/bundle-follower';
import { HOMES_BUCKET, type HomeReport } from '../fleet/fleet-member';
import { BUNDLE_FORMAT, bundleContentSchema, signBundle } from '../fleet/policy-bundle';
import { loadSigningKey, publicKeyFileFor } from '../server/signing-key';

const out = (line: string) => process.stdout.write(`${line}\n`);
const servers = (list: string) => list.split(',');

/** `fleet status`: every home's report, as the homes publish it (fleet/fleet-member.ts). */
async function status(opts: { servers: string; json?: boolean }): Promise<void> {
  const link = await NatsLink.open(servers(opts.servers), 'home-arbiter fleet status');
  const reports: HomeReport[] = [];
  try {
    const kv = await link.bucket(HOMES_BUCKET, 1);
    for await (const key of await kv.keys()) {
      const entry = await kv.get(key);
      if (entry?.operation === 'PUT') reports.push(entry.json<HomeReport>());
    }
  } finally {
    await link.close();
  }
  reports.sort((a, b) => a.home.localeCompare(b.home) || a.node.localeCompare(b.node));
  if (opts.json) {
    out(JSON.stringify(reports, null, 2));
    return;
  }
  out(['home', 'node', 'role', 'bundle', 'last bundle step', 'alarms', 'degraded', 'seen'].join('\t'));
  for (const r of reports) {
    const step = r.bundleStep ? `${r.bundleStep.step} ${r.bundleStep.version ?? '?'}` : '-';
    out([r.home, r.node, r.role, r.bundle ?? '-', step, r.alarms.join(', ') || '-', r.degraded.join(', ') || '-', `${Math.round((Date.now() - r.at) / 1000)}s ago`].join('\t'));
  }
  out(`${reports.length} home node(s)`);
}

/** `fleet key`: the fleet's signing key (generated when missing), and its public half for the homes to pin. */
function key(opts: { key: string }): void {
  const { signer, created } = loadSigningKey(opts.key);
  if (created) out(`generated a new Ed25519 signing key ${signer.keyId} in ${opts.key} (mode 0600): keep it off the homes`);
  out(`public key ${signer.keyId}, for the homes' fleet.publicKey: ${publicKeyFileFor(opts.key)}`);
  process.stdout.write(readFileSync(publicKeyFileFor(opts.key), 'utf8'));
}

interface PublishOptions {
  servers: string;
  key: string;
  version: number;
  home?: string;
  group?: string;
  canary?: number;
  rollbackFrom?: number;
  replicas: number;
}

/** `fleet publish`: signs the bundle file's sections with the fleet key and puts it where its homes read it. */
async function publish(file: string, opts: PublishOptions): Promise<void> {
  if ((opts.home === undefined) === (opts.group === undefined)) throw new Error('give exactly one of --home and --group');
  if (!existsSync(opts.key)) throw new Error(`no signing key at ${opts.key}: "home-arbiter fleet key --key ${opts.key}" generates one`);
  const parsed = bundleContentSchema.safeParse(readYamlFile(file));
  if (!parsed.success) throw new ConfigError(zodIssues(parsed.error), `${file} (a bundle carries policies, facts, systems and config only)`);
  const scope: { home: string } | { group: string } = opts.home !== undefined ? { home: opts.home } : { group: opts.group! };
  const signed = signBundle(
    {
      format: BUNDLE_FORMAT,
      version: opts.version,
      scope,
      ...(opts.canary !== undefined && opts.canary < 100 ? { canary: opts.canary } : {}),
      ...(opts.rollbackFrom !== undefined ? { rollback: { from: opts.rollbackFrom } } : {}),
      issued: Date.now(),
      content: parsed.data,
    },
    loadSigningKey(opts.key).signer,
  );
  const link = await NatsLink.open(servers(opts.servers), 'home-arbiter fleet publish');
  try {
    const kv = await link.bucket(BUNDLES_BUCKET, opts.replicas);
    const key = 'home' in scope ? homeBundleKey(scope.home) : groupBundleKey(scope.group);
    const revision = await kv.put(key, JSON.stringify(signed));
    const share = opts.canary !== undefined && opts.canary < 100 ? `, canary ${opts.canary} %` : '';
    out(`published bundle ${opts.version}${opts.rollbackFrom !== undefined ? ` (rollback from ${opts.rollbackFrom})` : ''} for ${'home' in scope ? `home ${scope.home}` : `group ${scope.group}`}${share}: ${BUNDLES_BUCKET} ${key}, revision ${revision}`);
  } finally {
    await link.close();
  }
}

const positiveInt = (what: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${what} must be a positive integer`);
  return n;
};

/** `10%` or `10`: the share of the group's homes a staged rollout reaches. */
const percent = (value: string) => {
  const n = Number(value.replace(/%$/, ''));
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError('must be a whole percentage from 1% to 100%');
  return n;
};

/** The fleet's commands (issue 15). */
export function registerFleetCommands(program: Command): void {
  const fleet = program.command('fleet').description('many homes through NATS (fleet: section)');
  fleet
    .command('status')
    .description('list the homes with role, bundle version, active alarms and degraded devices, from what they publish')
    .requiredOption('--servers <nats-urls>', 'NATS servers (comma-separated)')
    .option('--json', 'print as JSON')
    .action(status);
  fleet
    .command('key')
    .description("print the fleet signing key's public half (PEM, also in <key>.pub.pem) for the homes' fleet.publicKey; generates the key when missing")
    .addOption(new Option('--key <file>', 'the private key (PEM, Ed25519, mode 0600)').makeOptionMandatory())
    .action(key);
  fleet
    .command('publish')
    .description('sign a policy bundle (policies, facts, systems, config) and publish it for a home or a group')
    .argument('<bundle>', 'YAML with any of policies, facts, systems and config (monitor settings)')
    .requiredOption('--servers <nats-urls>', 'NATS servers (comma-separated)')
    .addOption(new Option('--key <file>', 'the fleet signing key (see fleet key)').makeOptionMandatory())
    .addOption(new Option('--version <n>', 'the bundle version: above every version the homes took (unless --rollback-from)').argParser(positiveInt('--version')).makeOptionMandatory())
    .option('--home <id>', 'for this home')
    .option('--group <id>', "for this group's homes (fleet.group)")
    .option('--canary <percent>', 'staged rollout: only this share of the homes, chosen by home id (10% first, then widen)', percent)
    .option('--rollback-from <n>', 'a signed rollback: homes running version n go back to --version (lower)', positiveInt('--rollback-from'))
    .option('--replicas <n>', 'replicas of the bundles bucket when it is created', positiveInt('--replicas'), 1)
    .action(publish);
}
