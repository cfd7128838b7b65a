import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkFiles, writeWitnessScenarios } from '../../cli/check-command';
import type { Finding, FindingKind } from '../../check/finding';
import { loadScenario, parseYaml } from '../../scenario/load-scenario';
import { runScenario } from '../../scenario/run-scenario';

// Compiled to dist/test/check: the YAML stays in the source tree.
const repo = join(__dirname, '..', '..', '..');
const cli = join(repo, 'bin', 'home-arbiter.js');
/** The contract's own folder, beside the checkout (CI) or beside the folder of worktrees, when present. */
const shared = [join(repo, '..', 'shared', 'scenarios'), join(repo, '..', '..', 'shared', 'scenarios')].find((d) => existsSync(d));

const sets: [string, string[]][] = [
  ['test/scenarios and the contract copy', [join(repo, 'test', 'scenarios'), join(repo, 'test', 'scenarios', 'contract')]],
  ['examples/ and scenario/examples/', [join(repo, 'examples'), join(repo, 'scenario', 'examples')]],
  ...(shared ? [['the shared contract scenarios', [shared]] as [string, string[]]] : []),
];

type Expected = { type: string; kind?: string; target?: string; winner?: string; loser?: string; resolution?: string };

/** What the scenario of a finding must expect: the finding's own claim, in the engine's events. */
type Claim = { target: string; state: unknown };
function assertExpectsWhatTheFindingSays(f: Finding, doc: { steps: { fact?: unknown; command?: Claim; report?: Claim; expect?: { events: Expected[] } }[] }): void {
  const expected = doc.steps.at(-1)!.expect!.events[0];
  const factStep = doc.steps.find((s) => s.fact !== undefined);
  const witness = Object.entries(f.witness!.facts);
  assert.deepEqual(factStep?.fact ?? {}, Object.fromEntries(witness.filter(([name]) => !name.startsWith('actuator:'))), 'the scenario sets exactly the witness facts');
  for (const [name, state] of witness.filter(([n]) => n.startsWith('actuator:'))) {
    const target = name.slice('actuator:'.length);
    const sets = doc.steps.some((s) => [s.command, s.report].some((c) => c?.target === target && c.state === state));
    assert.ok(sets, `a command or a report puts ${target} in ${String(state)}`);
  }
  const claimants = new Set(f.claimants);
  const byKind: Record<FindingKind, () => void> = {
    loop: () => assert.deepEqual(expected, { type: 'alarm', kind: 'policy-loop' }),
    tie: () => assert.equal(expected.resolution, 'tie'),
    conflict: () => assert.equal(expected.resolution, 'priority'),
    'manual-overridden': () => {
      assert.equal(expected.resolution, 'priority');
      assert.equal(expected.loser, 'manual');
    },
    'dead-rule': () => assert.fail('a dead rule has no witness'),
  };
  byKind[f.kind]();
  if (expected.type === 'conflict') {
    assert.ok(claimants.has(expected.winner!) && claimants.has(expected.loser!), `${expected.winner} and ${expected.loser} are among ${f.claimants}`);
    assert.ok(f.targets.includes(expected.target!), `${expected.target} is among ${f.targets}`);
  }
}

describe('check: every witness replays as its finding says', () => {
  const kindsWitnessed = new Set<FindingKind>();
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'check-witnesses-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const [title, paths] of sets) {
    it(title, async () => {
      const results = await checkFiles(paths);
      assert.deepEqual(results.filter((r) => r.status === 'invalid'), []);
      const findings = results.flatMap((r) => (r.status === 'checked' ? r.result.findings : []));
      const written = writeWitnessScenarios(results, dir);
      assert.equal(written.length, findings.filter((f) => f.witness).length, 'one scenario per finding with a witness');
      for (const { path, finding } of written) {
        assertExpectsWhatTheFindingSays(finding, parseYaml(readFileSync(path, 'utf8'), path) as never);
        const run = await runScenario(loadScenario(path));
        assert.deepEqual(run.failures.map((f) => `${path}: steps[${f.index}]: ${f.problems.join('; ')}`), []);
        kindsWitnessed.add(finding.kind);
      }
      // The command a user runs: `home-arbiter replay DIR` on what `check --scenarios DIR` wrote.
      const replay = spawnSync(process.execPath, [cli, 'replay', dir], { encoding: 'utf8' });
      assert.equal(replay.status, 0, replay.stdout.slice(-2000));
      assert.match(replay.stdout, new RegExp(`${written.length} passed, 0 failed`));
    });
  }

  it('has witnessed every kind of finding that has witnesses', () => {
    assert.deepEqual([...kindsWitnessed].sort(), ['conflict', 'loop', 'manual-overridden', 'tie']);
  });
});
