import { strict as assert } from 'node:assert';
import { assertRule, check, ofKind, when } from './support';

const home = {
  actuators: [
    { id: 'living.window', kind: 'window', initial: 'closed' },
    { id: 'living.shutter', kind: 'shutter', initial: 'open' },
    { id: 'ac', kind: 'ac', range: [16, 30], initial: 22 },
  ],
  facts: [
    { name: 'wind', initial: 0 },
    { name: 'mode', initial: 'home' },
    { name: 'rain', initial: false, maxAge: '30m', whenStale: true },
  ],
};

async function deadRules(...policies: unknown[]): Promise<string[]> {
  const result = await check({ ...home, policies });
  return ofKind(result, 'dead-rule').flatMap((f) => f.rules ?? []).sort();
}

describe('check: dead-rule', () => {
  it('reports a rule whose numeric range is empty, naming the values tried', async () => {
    const result = await check({ ...home, policies: [assertRule('gusty-calm', { all: [{ fact: 'wind', operator: 'greaterThan', value: 20 }, { fact: 'wind', operator: 'lessThan', value: 10 }] }, 'living.window', 'closed', 'comfort')] });
    const [dead] = ofKind(result, 'dead-rule');
    assert.equal(dead.severity, 'warning');
    assert.deepEqual(dead.rules, ['gusty-calm']);
    assert.deepEqual(dead.claimants, ['policy:gusty-calm']);
    assert.deepEqual(dead.targets, ['living.window']);
    assert.equal(dead.witness, undefined);
    assert.match(dead.message, /wind ∈ \{0, 9, 10, 15, 20, 21\}/);
  });

  it('reports a rule on an actuator fact whose id is a typo, or on a state the actuator does not have', async () => {
    assert.deepEqual(await deadRules(
      { name: 'typo', conditions: when('actuator:living.shuter', 'equal', 'closed'), event: { type: 'notify' } },
      { name: 'no-such-state', conditions: when('actuator:living.shutter', 'equal', 'ajar'), event: { type: 'notify' } },
      { name: 'shutter-closed', conditions: when('actuator:living.shutter', 'equal', 'closed'), event: { type: 'notify' } },
    ), ['no-such-state', 'typo']);
  });

  it('takes a declared fact as any value of its initial value\'s type: a number never equals a string', async () => {
    assert.deepEqual(await deadRules(
      { name: 'windy-text', conditions: when('wind', 'equal', 'strong'), event: { type: 'notify' } },
      { name: 'mode-away', conditions: when('mode', 'equal', 'away'), event: { type: 'notify' } },
    ), ['windy-text']);
  });

  it('counts the whenStale value: a stale rain sensor reads true', async () => {
    // rain's declared type is boolean, but a rule on the stale value still holds; a rule on a number never does.
    assert.deepEqual(await deadRules(
      { name: 'rain-or-silent', conditions: when('rain', 'equal', true), event: { type: 'notify' } },
      { name: 'rain-in-mm', conditions: when('rain', 'greaterThan', 2), event: { type: 'notify' } },
    ), ['rain-in-mm']);
  });

  it('reports contradictions across all, any and not, judged by json-rules-engine itself', async () => {
    const never = { all: [{ fact: 'mode', operator: 'in', value: ['home', 'night'] }, { not: { any: [{ fact: 'mode', operator: 'equal', value: 'home' }, { fact: 'mode', operator: 'equal', value: 'night' }] } }] };
    const sometimes = { all: [{ fact: 'mode', operator: 'in', value: ['home', 'night'] }, { not: { fact: 'mode', operator: 'equal', value: 'home' } }] };
    assert.deepEqual(await deadRules(
      { name: 'never', conditions: never, event: { type: 'notify' } },
      { name: 'sometimes', conditions: sometimes, event: { type: 'notify' } },
    ), ['never']);
  });

  it('reports a numeric actuator fact compared outside its range, not one inside it', async () => {
    assert.deepEqual(await deadRules(
      { name: 'frozen', conditions: when('actuator:ac', 'lessThan', 10), event: { type: 'notify' } },
      { name: 'cool', conditions: when('actuator:ac', 'lessThan', 18), event: { type: 'notify' } },
    ), ['frozen']);
  });

  it('leaves a dead rule out of the other findings: it never claims', async () => {
    const result = await check({
      ...home,
      systems: [{ id: 'vent', category: 'comfort', targets: ['living.window'] }],
      policies: [assertRule('never', { all: [{ fact: 'wind', operator: 'greaterThan', value: 20 }, { fact: 'wind', operator: 'lessThan', value: 10 }] }, 'living.window', 'open', 'comfort')],
    });
    assert.deepEqual(result.findings.filter((f) => f.kind !== 'dead-rule' && f.claimants.includes('policy:never')), []);
  });
});
