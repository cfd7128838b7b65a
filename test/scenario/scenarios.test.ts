import { strict as assert } from 'node:assert';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario } from '../../scenario/load-scenario';
import { runScenario } from '../../scenario/run-scenario';

// Compiled to dist/test/scenario: the YAML stays in the source tree.
const repo = join(__dirname, '..', '..', '..');
const root = join(repo, 'test', 'scenarios');

function scenariosIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(dir, f));
}

for (const [title, dir] of [
  ['the contract scenarios (a copy of shared/scenarios)', join(root, 'contract')],
  ['our own scenarios', root],
  ['the example scenarios', join(repo, 'scenario', 'examples')],
] as const) {
  describe(`replay: ${title}`, () => {
    const files = scenariosIn(dir);
    it('has scenarios to replay', () => assert.ok(files.length >= 2, `${dir} holds ${files.length} scenarios`));
    for (const file of files) {
      it(file.slice(repo.length + 1), async () => {
        const run = await runScenario(loadScenario(file));
        assert.deepEqual(run.failures.map((f) => `steps[${f.index}]: ${f.problems.join('; ')}`), []);
        assert.ok(run.events.length > 0, 'the scenario produced events');
      });
    }
  });
}

describe('replay: expectations that do not hold fail', () => {
  it('reports the step, what was expected and what was found', async () => {
    const scenario = loadScenario(join(root, 'contract', '01-window-vs-security.yaml'));
    const steps = scenario.steps.map((s) => (s.index === 1 ? { ...s, expect: { ...s.expect, owner: { 'living.window': 'security' } } } : s));
    const run = await runScenario({ ...scenario, steps });
    assert.equal(run.passed, false);
    assert.deepEqual(run.failures.map((f) => [f.index, f.problems]), [[1, ['owner.living.window: expected "security", found "comfort-vent"']]]);
    assert.deepEqual(run.failures[0].events.map((e) => e.type), ['claimed', 'dispatched']);
  });

  it('replays a scenario with a restart on the SQLite store as on memory', async () => {
    const scenario = loadScenario(join(root, 'contract', '09-restart.yaml'));
    const [sqlite, memory] = [await runScenario(scenario, { store: 'sqlite' }), await runScenario(scenario, { store: 'memory' })];
    assert.equal(sqlite.passed, true);
    assert.deepEqual(sqlite.events, memory.events);
  });
});
