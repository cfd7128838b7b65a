import { SCENARIOS, type ScenarioName } from './scenarios';

/**
 * Runs one scenario in this process and prints its rows as one JSON line on stdout. The runner starts one child
 * per scenario, with `--expose-gc`, so that no scenario inherits another's heap, JIT state or open handles.
 */
async function main(): Promise<void> {
  const [name, mode] = process.argv.slice(2);
  const scenario = SCENARIOS[name as ScenarioName];
  if (!scenario) throw new Error(`bench child: unknown scenario "${name}" (one of ${Object.keys(SCENARIOS).join(', ')})`);
  const rows = await scenario.measure({ quick: mode === '--quick' });
  process.stdout.write(`${JSON.stringify(rows)}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
