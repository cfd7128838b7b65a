import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { Command } from 'commander';
import { Document } from 'yaml';
import { checkConfig } from '../check/check-config';
import type { Finding } from '../check/finding';
import { checkExitCode, humanCheckReport, jsonCheckReport, type CheckFileResult } from '../check/check-report';
import { ConfigError } from '../engine/config/config-error';
import type { CoreConfig } from '../engine/core/arbiter-core';
import { readYamlFile, scenarioFiles } from '../scenario/load-scenario';
import { parseScenario } from '../scenario/scenario-schema';
import { serverConfigFrom } from '../server/server-config';

/**
 * A scenario (it has `name` or `steps`) or a server configuration, validated exactly as `replay` or `serve` would
 * validate it; the check reads its actuators, systems, facts and policies (SPEC.md §11).
 */
export function loadCheckedConfig(file: string): CoreConfig {
  const doc = readYamlFile(file);
  const scenario = typeof doc === 'object' && doc !== null && !Array.isArray(doc) && ('steps' in doc || 'name' in doc);
  return scenario ? parseScenario(doc, file).config : serverConfigFrom(doc, file).core;
}

export async function checkFiles(paths: readonly string[]): Promise<CheckFileResult[]> {
  const results: CheckFileResult[] = [];
  for (const file of scenarioFiles(paths)) {
    try {
      results.push({ file, status: 'checked', result: await checkConfig(loadCheckedConfig(file)) });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      results.push({ file, status: 'invalid', errors: err.issues });
    }
  }
  return results;
}

/** One scenario per finding with a witness, `<file>-<n>-<kind>.yaml` (n: the finding's place in the report). */
export function writeWitnessScenarios(results: readonly CheckFileResult[], dir: string): { path: string; finding: Finding }[] {
  mkdirSync(dir, { recursive: true });
  const written: { path: string; finding: Finding }[] = [];
  const stems = new Map<string, number>();
  for (const r of results) {
    if (r.status !== 'checked') continue;
    // Two files of one name (a copy of the contract's scenarios beside the original) must not overwrite each other.
    const base = basename(r.file, extname(r.file));
    const seen = stems.get(base) ?? 0;
    stems.set(base, seen + 1);
    const stem = seen === 0 ? base : `${base}-${seen + 1}`;
    r.result.findings.forEach((f, i) => {
      const scenario = r.result.scenarios.get(f);
      if (!scenario) return;
      const out = join(dir, `${stem}-${String(i + 1).padStart(3, '0')}-${f.kind}.yaml`);
      const doc = new Document(scenario);
      doc.commentBefore = ` Written by home-arbiter check from ${r.file}: a witness of its finding ${i + 1} (${f.kind}).`;
      writeFileSync(out, doc.toString({ lineWidth: 0 }));
      written.push({ path: out, finding: f });
    });
  }
  return written;
}

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description('report the conflicts a configuration makes possible, without running it (SPEC.md §11); exit 0 no error found, 1 an error found, 2 invalid input')
    .argument('<paths...>', 'scenario files or server configurations, or directories of them')
    .option('--json', 'print the findings as JSON')
    .option('--scenarios <dir>', 'write a scenario for each finding with a witness into this directory')
    .action(async (paths: string[], opts: { json?: boolean; scenarios?: string }) => {
      const results = await checkFiles(paths);
      process.stdout.write(`${opts.json ? jsonCheckReport(results) : humanCheckReport(results)}\n`);
      if (opts.scenarios) {
        const written = writeWitnessScenarios(results, opts.scenarios);
        process.stderr.write(`${written.length} witness scenario${written.length === 1 ? '' : 's'} written to ${opts.scenarios}\n`);
      }
      process.exitCode = checkExitCode(results);
    });
}
