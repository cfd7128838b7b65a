import { strict as assert } from 'node:assert';
import { checkExitCode } from '../../check/check-report';
import { assertRule, check, ofKind, when } from './support';

/** Test scenario 21: each rule's claim changes the actuator fact the other reads; defaults bring them back. */
const chasing = (withDefaults: boolean) => ({
  actuators: [
    { id: 'vent', kind: 'valve', initial: 'closed', ...(withDefaults ? { default: 'closed' } : {}) },
    { id: 'fan', kind: 'switch', initial: 'off', ...(withDefaults ? { default: 'off' } : {}) },
  ],
  facts: [{ name: 'mode', initial: 'away' }],
  policies: [
    assertRule('vent-follows-fan', { all: [{ fact: 'actuator:fan', operator: 'equal', value: 'off' }, { fact: 'mode', operator: 'equal', value: 'home' }] }, 'vent', 'open', 'comfort'),
    assertRule('fan-against-vent', when('actuator:vent', 'equal', 'open'), 'fan', 'on', 'comfort'),
  ],
});

describe('check: loop', () => {
  it('reports rules that chase each other through actuator facts as an error, with the facts that start it', async () => {
    const result = await check(chasing(true));
    const [loop] = ofKind(result, 'loop');
    assert.equal(loop.severity, 'error');
    assert.deepEqual(loop.rules, ['fan-against-vent', 'vent-follows-fan']);
    assert.deepEqual(loop.claimants, ['policy:fan-against-vent', 'policy:vent-follows-fan']);
    assert.deepEqual(loop.targets, ['fan', 'vent']);
    assert.deepEqual(loop.witness, { facts: { mode: 'home' } });
    assert.equal(checkExitCode([{ file: 'home.yaml', status: 'checked', result }]), 1);
  });

  it('does not report a cycle that settles, and says what was explored instead of claiming there is no loop', async () => {
    // Without defaults a released actuator keeps its desired state, so the cascade stops after a round or two.
    const result = await check(chasing(false));
    assert.deepEqual(ofKind(result, 'loop'), []);
    assert.equal(result.explored.cycles, 1);
    assert.match(result.notes.join('\n'), /"fan-against-vent" and "vent-follows-fan" reach each other through actuator:fan and actuator:vent: all 3 fact combinations replayed from the initial state, none loops/);
    assert.equal(checkExitCode([{ file: 'home.yaml', status: 'checked', result }]), 0);
  });

  it('says when the bound cut the loop search', async () => {
    const config = chasing(false);
    // Nine numeric facts with a threshold each: 4^9 combinations, far beyond what a loop search replays.
    const facts = Array.from({ length: 9 }, (_, i) => ({ name: `s${i}`, initial: 0 }));
    const conditions = { all: [{ fact: 'actuator:fan', operator: 'equal', value: 'off' }, ...facts.map((f) => ({ fact: f.name, operator: 'greaterThan', value: 10 }))] };
    const result = await check({ ...config, facts, policies: [{ ...config.policies[0], conditions }, config.policies[1]] });
    assert.match(result.notes.join('\n'), /: 64 of \d+ fact combinations replayed from the initial state, none loops; the rest were not explored/);
  });
});
