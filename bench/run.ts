import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import type { Row } from './measure';
import { hotFunctions } from './profile-summary';
import { formatMarkdown, formatRatios, formatTable, formatTargets, ratios, targets } from './report';
import { SCENARIOS, type ScenarioName } from './scenarios';

/** The repository root, from `dist/bench/run.js`. */
const ROOT = resolve(__dirname, '..', '..');

interface RunOptions {
  readonly quick: boolean;
  readonly only?: string[];
  readonly out: string;
  readonly profile?: string;
}

/**
 * Runs one scenario in a child node (with `--expose-gc`, and `--cpu-prof` when profiling) and reads its rows from
 * the last line of its stdout. A scenario that fails yields no rows and a note on stderr; the others still run.
 */
function runChild(name: ScenarioName, opts: RunOptions): Promise<Row[]> {
  const profiling = opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(opts.profile, name)}`] : [];
  const args = ['--expose-gc', ...profiling, join(__dirname, 'child.js'), name, ...(opts.quick ? ['--quick'] : [])];
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('[')) {
        process.stderr.write(`bench: scenario ${name} failed (exit ${code}); its figures are missing\n`);
        return done([]);
      }
      done(JSON.parse(last) as Row[]);
    });
  });
}

function printHotFunctions(dir: string): void {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    console.log(`\nhottest functions (self time) in ${join(dir, file)}:`);
    for (const f of hotFunctions(join(dir, file), 12)) console.log(`  ${(f.self * 100).toFixed(1).padStart(5)} % self ${(f.total * 100).toFixed(1).padStart(5)} % total  ${f.frame}`);
  }
}

/** The commit measured, and whether the code under test had uncommitted changes (a shared checkout). */
function revision(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = git('status', '--porcelain', '--', 'engine', 'policies', 'scenario', 'nodes', 'check') !== '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' with uncommitted changes' : ''}`;
  } catch {
    return 'unknown revision (not a git checkout)';
  }
}

async function main(opts: RunOptions): Promise<void> {
  const names = (opts.only ?? Object.keys(SCENARIOS)) as ScenarioName[];
  for (const name of names) if (!(name in SCENARIOS)) throw new Error(`bench: unknown scenario "${name}" (one of ${Object.keys(SCENARIOS).join(', ')})`);
  const started = new Date();
  const measured = revision();
  const loadBefore = loadavg();
  const rows: Row[] = [];
  for (const name of names) {
    process.stderr.write(`bench: ${name} (${SCENARIOS[name].title})…\n`);
    if (opts.profile) mkdirSync(join(opts.profile, name), { recursive: true });
    rows.push(...(await runChild(name, opts)));
    if (opts.profile) printHotFunctions(join(opts.profile, name));
  }
  const ratioList = ratios(rows);
  const targetList = targets(rows);
  console.log(`\n${formatTable(rows)}\n`);
  console.log(formatRatios(ratioList));
  console.log(`\ntargets (issue 6):\n${formatTargets(targetList)}`);
  const machine = { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadBefore, loadAfter: loadavg() };
  const machineLine = `${started.toISOString()}, ${measured}, ${opts.quick ? '--quick, ' : ''}${machine.cpus} × ${machine.model}, node ${machine.node}, load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${machine.loadAfter.map((l) => l.toFixed(2)).join(' ')}`;
  console.log(`\n${machineLine}`);
  const results = { started: started.toISOString(), revision: measured, seconds: Math.round((Date.now() - started.getTime()) / 1000), quick: opts.quick, machine, rows, ratios: ratioList, targets: targetList };
  writeFileSync(opts.out, `${JSON.stringify(results, null, 2)}\n`);
  const markdown = opts.out.replace(/\.json$/, '') + '.md';
  writeFileSync(markdown, formatMarkdown(rows, ratioList, targetList, machineLine));
  console.log(`results written to ${opts.out} and ${markdown}`);
}

const program = new Command()
  .name('bench')
  .description('home-arbiter benchmarks (issue 6): decisions, scaling, replay and the alternatives, in one run')
  .option('--quick', 'shorter measurements and sweeps: the whole run in under two minutes', false)
  .option('--only <scenarios...>', `run only these scenarios (${Object.keys(SCENARIOS).join(', ')})`)
  .option('--out <file>', 'where to write the results', join(ROOT, 'bench', 'results.json'))
  .option('--profile <dir>', 'run every scenario under node --cpu-prof, write the profiles there and print the hottest functions')
  .parse();

main(program.opts<RunOptions>()).catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
