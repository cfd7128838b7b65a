import { type Command } from 'commander';
import { NatsLink } from '../cluster/nats-link';
import { HOMES_BUCKET, type HomeReport } from '../fleet/fleet-member';

const out = (line: string) => process.stdout.write(`${line}\n`);

/** `fleet status`: every home's report, as the homes publish it (fleet/fleet-member.ts). */
async function status(opts: { servers: string; json?: boolean }): Promise<void> {
  const link = await NatsLink.open(opts.servers.split(','), 'home-arbiter fleet status');
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
  out(['home', 'node', 'role', 'bundle', 'alarms', 'degraded', 'seen'].join('\t'));
  for (const r of reports) {
    out([r.home, r.node, r.role, r.bundle ?? '-', r.alarms.join(', ') || '-', r.degraded.join(', ') || '-', `${Math.round((Date.now() - r.at) / 1000)}s ago`].join('\t'));
  }
  out(`${reports.length} home node(s)`);
}

/** The fleet's commands (issue 15). */
export function registerFleetCommands(program: Command): void {
  const fleet = program.command('fleet').description('many homes through NATS (fleet: section)');
  fleet
    .command('status')
    .description('list the homes with role, bundle version, active alarms and degraded devices, from what they publish')
    .requiredOption('--servers <nats-urls>', 'NATS servers (comma-separated)')
    .option('--json', 'print as JSON')
    .action(status);
}
