import type { Command } from 'commander';
import { Option } from 'commander';
import { handoverKey, LEASE_BUCKET } from '../cluster/edge-node';
import { NatsLink } from '../cluster/nats-link';
import { loadServerConfig } from '../server/server-config';

const out = (line: string) => process.stdout.write(`${line}\n`);

/** Switch-back (切り戻し): asks the active node of the home to hand the lease over, through the lease bucket. */
async function handover(opts: { config: string; to?: string }): Promise<void> {
  const config = loadServerConfig(opts.config);
  if (!config.cluster) throw new Error(`${config.source}: has no cluster section`);
  const { servers, home, replicas } = config.cluster;
  const link = await NatsLink.open(servers, `home-arbiter cli ${home}`);
  try {
    const kv = await link.bucket(LEASE_BUCKET, replicas);
    await kv.put(handoverKey(home), JSON.stringify({ ...(opts.to ? { to: opts.to } : {}), at: Date.now() }));
    out(`asked the active node of ${home} to hand over${opts.to ? ` to ${opts.to}` : ''}`);
  } finally {
    await link.close();
  }
}

/** `cluster handover`: the operator's actions on a home's hot standby (issue 15). */
export function registerClusterCommands(program: Command): void {
  const cluster = program.command('cluster').description('the hot standby of a home (cluster: section)');
  cluster
    .command('handover')
    .description('switch over or back: the active node stops dispatching, publishes its last commits and hands the lease over')
    .addOption(new Option('-c, --config <file>', 'server configuration (YAML) with a cluster section').makeOptionMandatory())
    .option('--to <node>', 'the node that takes over (default: whichever standby is first)')
    .action(handover);
}
