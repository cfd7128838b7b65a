import { strict as assert } from 'node:assert';
import { generatedDay } from '../../bench/replay';
import { runScenario } from '../../scenario/run-scenario';

describe('bench replay scenario', () => {
  it('generates a day of steps, in time order, that replays without a failure', async () => {
    const scenario = generatedDay(3_000);
    assert.equal(scenario.steps.length, 3_000);
    assert.ok(scenario.steps.every((s, i) => i === 0 || s.at >= scenario.steps[i - 1].at));
    assert.ok(scenario.steps[scenario.steps.length - 1].at < 86_400_000);
    const kinds = new Set(scenario.steps.map((s) => s.kind));
    for (const kind of ['command', 'release', 'report', 'fact']) assert.ok(kinds.has(kind as never), `no ${kind} step`);
    const run = await runScenario(scenario, { store: 'memory' });
    assert.equal(run.passed, true);
    assert.ok(run.events.some((e) => e.type === 'conflict'));
  });
});
