import { strict as assert } from 'node:assert';
import { buildCoreConfig } from '../../../engine/config/arbiter-config';
import { ConfigError } from '../../../engine/config/config-error';
import { referencedFacts } from '../../../engine/config/parse-policies';

const home = {
  actuators: [
    { id: 'living.window', kind: 'window', zone: 'living' },
    { id: 'front.lock', kind: 'lock' },
  ],
  systems: [{ id: 'vent', category: 'comfort' }],
};
const when = { all: [{ fact: 'rain', operator: 'equal', value: true }] };

function issues(policies: unknown[]): string[] {
  try {
    buildCoreConfig({ ...home, policies });
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
    return err.issues.map((i) => `${i.path}: ${i.message}`);
  }
  return [];
}

describe('policy validation (SPEC.md §6)', () => {
  it('accepts the three event types', () => {
    assert.deepEqual(
      issues([
        { name: 'a', conditions: when, event: { type: 'assert', params: { target: 'kind:window', state: 'closed', category: 'property' } } },
        { name: 'f', conditions: when, event: { type: 'forbid', params: { target: 'zone:living', state: 'open', system: 'vent', below: 'property' } } },
        { name: 'n', conditions: when, event: { type: 'notify', params: { message: 'rain' } } },
      ]),
      [],
    );
  });

  const cases: [string, unknown, RegExp][] = [
    ['an unknown event type', { name: 'x', conditions: when, event: { type: 'shout' } }, /^policies\[0\]\.event\.type: unknown event type "shout"/],
    ['a missing assert state', { name: 'x', conditions: when, event: { type: 'assert', params: { target: 'front.lock', category: 'life' } } }, /^policies\[0\]\.event\.params\.state: is required/],
    ['a state the target does not have', { name: 'x', conditions: when, event: { type: 'assert', params: { target: 'front.lock', state: 'open', category: 'life' } } }, /params\.state: "open" is not a state of front\.lock/],
    ['an unknown category', { name: 'x', conditions: when, event: { type: 'assert', params: { target: 'front.lock', state: 'locked', category: 'urgent' } } }, /params\.category: unknown category "urgent"/],
    ['a bad selector', { name: 'x', conditions: when, event: { type: 'forbid', params: { target: 'knd:window' } } }, /params\.target: unknown selector prefix "knd:"/],
    ['a selector that matches nothing', { name: 'x', conditions: when, event: { type: 'forbid', params: { target: 'zone:attic' } } }, /params\.target: selector "zone:attic" matches no actuator/],
    ['an unknown forbid system', { name: 'x', conditions: when, event: { type: 'forbid', params: { system: 'ghost' } } }, /params\.system: unknown system "ghost"/],
    ['an unknown parameter', { name: 'x', conditions: when, event: { type: 'notify', params: { text: 'hi' } } }, /params\.text: unknown parameter for notify/],
    ['missing conditions', { name: 'x', event: { type: 'notify' } }, /^policies\[0\]\.conditions: is required/],
    ['conditions json-rules-engine rejects', { name: 'x', conditions: { all: [{ fact: 'rain', value: true }] }, event: { type: 'notify' } }, /^policies\[0\]\.conditions: /],
    ['a missing name', { conditions: when, event: { type: 'notify' } }, /^policies\[0\]\.name: is required/],
  ];
  for (const [what, rule, pattern] of cases) {
    it(`rejects ${what}, naming the field`, () => {
      const found = issues([rule]);
      assert.ok(found.some((i) => pattern.test(i)), `no issue matches ${pattern}: ${JSON.stringify(found)}`);
    });
  }

  it('rejects duplicate names, pointing at the second', () => {
    const rule = { name: 'same', conditions: when, event: { type: 'notify' } };
    assert.deepEqual(issues([rule, rule]), ['policies[1].name: duplicate rule name "same" (first at policies[0])']);
  });

  it('collects the facts a rule reads, at any depth', () => {
    const facts = referencedFacts({ any: [{ fact: 'a', operator: 'equal', value: 1 }, { not: { fact: 'actuator:x', operator: 'equal', value: 'open' } }, { all: [{ fact: 'b', operator: 'equal', value: { fact: 'c' } }] }] });
    assert.deepEqual([...facts].sort(), ['a', 'actuator:x', 'b', 'c']);
  });
});
