import { ConfigError } from '../engine/config/config-error';
import { loadScenario, scenarioFiles } from './load-scenario';
import type { ReplayResult } from './replay-report';
import { runScenario, type RunOptions } from './run-scenario';

/** Replays every scenario named (files or directories), each on a fresh store; invalid files do not stop the rest. */
export async function replay(paths: readonly string[], options: RunOptions = {}): Promise<ReplayResult[]> {
  const results: ReplayResult[] = [];
  for (const file of scenarioFiles(paths)) {
    try {
      const run = await runScenario(loadScenario(file), options);
      results.push({ file, status: run.passed ? 'passed' : 'failed', run });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      results.push({ file, status: 'invalid', errors: err.issues });
    }
  }
  return results;
}
