import { strict as assert } from 'node:assert';
import { assertRule, check, ofKind, when } from './support';

describe('check: conflict (the conflict map)', () => {
  it('lists every pair of claimants at different priorities that can claim different states, as info, with who wins where', async () => {
    const result = await check({
      actuators: [
        { id: 'living.window', kind: 'window', initial: 'closed' },
        { id: 'front.lock', kind: 'lock', initial: 'locked', manual: { category: 'property' } },
      ],
      systems: [
        { id: 'vent', category: 'comfort', targets: ['living.window'] },
        { id: 'security', category: 'property' },
      ],
    });
    const conflicts = ofKind(result, 'conflict');
    assert.ok(conflicts.every((f) => f.severity === 'info'));
    assert.deepEqual(conflicts.map((f) => f.claimants), [['manual', 'security'], ['manual', 'vent'], ['security', 'vent']]);
    // A person's category is per actuator: security wins on the window, the person on the lock.
    const manualSecurity = conflicts[0];
    assert.deepEqual(manualSecurity.targets, ['front.lock', 'living.window']);
    assert.match(manualSecurity.message, /security \(property\) wins over manual \(comfort, by hand\) on living\.window; manual \(property, by hand\) wins over security \(property\) on front\.lock/);
    assert.ok(conflicts.every((f) => f.witness !== undefined), 'each pair of systems and persons conflicts under the initial facts');
  });

  it('does not list a rule and a state it cannot conflict with: same state, or an actuator with one state', async () => {
    const result = await check({
      actuators: [{ id: 'living.window', kind: 'window', initial: 'closed', manual: false }],
      facts: [{ name: 'rain', initial: false }],
      policies: [
        assertRule('rain-close', when('rain', 'equal', true), 'living.window', 'closed', 'property'),
        assertRule('rain-close-too', when('rain', 'equal', true), 'living.window', 'closed', 'comfort'),
      ],
    });
    assert.deepEqual(ofKind(result, 'conflict'), []);
  });

  it('lists, for each system that may write facts, the highest category the rules reading them act at', async () => {
    const result = await check({
      actuators: [{ id: 'front.lock', kind: 'lock', initial: 'locked', manual: false }],
      systems: [
        { id: 'disaster', category: 'life', targets: ['front.lock'] },
        { id: 'vent', category: 'comfort', targets: [] },
      ],
      facts: [
        { name: 'smoke', initial: false, writers: ['disaster'] },
        { name: 'co2', initial: 400, writers: ['vent'] },
      ],
      policies: [
        assertRule('fire-evacuation', when('smoke', 'equal', true), 'front.lock', 'unlocked', 'life'),
        { name: 'stale-air', conditions: when('co2', 'greaterThan', 1500), event: { type: 'notify' } },
      ],
    });
    const writers = ofKind(result, 'conflict').filter((f) => f.claimants.length === 1);
    assert.deepEqual(writers.map((f) => [f.claimants[0], f.rules]), [['disaster', ['fire-evacuation']], ['vent', ['stale-air']]]);
    assert.match(writers[0].message, /disaster \(life\) may write smoke: the rules reading it act at up to life \(fire-evacuation asserts at life\)/);
    assert.deepEqual(writers[0].targets, ['front.lock']);
    assert.match(writers[1].message, /vent \(comfort\) may write co2: no assert or forbid reads it/);
  });
});
