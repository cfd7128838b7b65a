import { Command, Option } from 'commander';
import { exitCode, humanReport, jsonReport } from '../scenario/replay-report';
import { replay } from '../scenario/replay';
import type { ReplayStore } from '../scenario/run-scenario';
import { registerCheckCommand } from './check-command';
import { registerServerCommands } from './server-commands';
import { registerClusterCommands } from './cluster-commands';
import { registerFleetCommands } from './fleet-commands';

/** The CLI's composition root: each sub-command builds what it needs and nothing else. */
export function buildProgram(): Command {
  const program = new Command('home-arbiter')
    .description('Conflict-arbitration supervisor for home automation')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('replay')
    .description('replay scenario files (SPEC.md §10) in virtual time; exit 0 all passed, 1 an expectation failed, 2 invalid input')
    .argument('<paths...>', 'scenario files or directories of them')
    .option('--json', 'print the results as JSON')
    .addOption(new Option('--store <kind>', 'store to replay on (auto: SQLite on a temporary file when a scenario restarts, none otherwise)').choices(['auto', 'none', 'memory', 'sqlite']).default('auto'))
    .action(async (paths: string[], opts: { json?: boolean; store: ReplayStore }) => {
      const results = await replay(paths, { store: opts.store });
      process.stdout.write(`${opts.json ? jsonReport(results) : humanReport(results)}\n`);
      process.exitCode = exitCode(results);
    });

  registerCheckCommand(program);
  registerServerCommands(program);
  registerClusterCommands(program);
  registerFleetCommands(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  // Every file the CLI creates (store, journals, backups, secrets, keys) is for its owner only (issue 10, item 10).
  process.umask(0o077);
  try {
    await buildProgram().parseAsync(argv as string[]);
  } catch (err) {
    const code = (err as { exitCode?: number; code?: string }).exitCode;
    if (typeof code === 'number') {
      // commander has already printed the usage error or the help text.
      process.exitCode = code === 0 ? 0 : 2;
      return;
    }
    process.stderr.write(`home-arbiter: ${(err as Error).message}\n`);
    process.exitCode = 2;
  }
}
