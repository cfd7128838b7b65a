import { strict as assert } from 'node:assert';
import { buildCoreConfig } from '../../../engine/config/arbiter-config';
import { NaiveArbiter } from '../../../bench/baselines/naive-arbiter';

const config = () =>
  buildCoreConfig({
    actuators: [{ id: 'living.window', kind: 'window', zone: 'living' }],
    systems: [
      { id: 'climate', category: 'comfort' },
      { id: 'storm', category: 'property' },
      { id: 'media', category: 'entertainment' },
    ],
    facts: [{ name: 'rain', initial: false }],
    policies: [{ name: 'no-open-in-rain', conditions: { all: [{ fact: 'rain', operator: 'equal', value: true }] }, event: { type: 'forbid', params: { target: 'zone:living', state: 'open', below: 'property' } } }],
  });

describe('naive json-rules-engine arbiter (baseline)', () => {
  it('lets the higher category win and defers the lower one, counting the conflict', async () => {
    const naive = new NaiveArbiter(config());
    assert.equal(await naive.command({ system: 'climate', target: 'living.window', state: 'open' }), 'accepted');
    assert.equal(await naive.command({ system: 'storm', target: 'living.window', state: 'closed' }), 'accepted');
    assert.equal(await naive.command({ system: 'climate', target: 'living.window', state: 'open' }), 'deferred');
    assert.deepEqual(naive.peek('living.window'), { winner: 'storm', desired: 'closed' });
    assert.equal(naive.conflicts, 2);
  });

  it('denies a command a holding forbid rule matches, found by running the rules', async () => {
    const naive = new NaiveArbiter(config());
    naive.setFacts({ rain: true });
    assert.equal(await naive.command({ system: 'media', target: 'living.window', state: 'open' }), 'denied');
    assert.equal(await naive.command({ system: 'media', target: 'living.window', state: 'closed' }), 'accepted');
  });

  it('denies unknown systems, unknown targets and states the actuator does not have', async () => {
    const naive = new NaiveArbiter(config());
    assert.equal(await naive.command({ system: 'ghost', target: 'living.window', state: 'open' }), 'denied');
    assert.equal(await naive.command({ system: 'climate', target: 'attic.window', state: 'open' }), 'denied');
    assert.equal(await naive.command({ system: 'climate', target: 'living.window', state: 'ajar' }), 'denied');
  });
});
