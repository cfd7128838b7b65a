import { strict as assert } from 'node:assert';
import { assertRule, check, ofKind, when } from './support';

const windows = [
  { id: 'living.window', kind: 'window', initial: 'closed' },
  { id: 'bedroom.window', kind: 'window', initial: 'closed' },
  { id: 'front.lock', kind: 'lock', initial: 'locked' },
];

describe('check: tie', () => {
  it('reports two systems of one category and rank whose targets share actuators, once, with every shared actuator', async () => {
    const result = await check({
      actuators: windows,
      systems: [
        { id: 'vent', category: 'comfort', targets: ['kind:window'] },
        { id: 'scenes', category: 'comfort', targets: ['living.window', 'bedroom.window', 'front.lock'] },
      ],
    });
    const ties = ofKind(result, 'tie');
    assert.equal(ties.length, 1);
    assert.deepEqual(ties[0].claimants, ['scenes', 'vent']);
    assert.deepEqual(ties[0].targets, ['bedroom.window', 'living.window']);
    assert.equal(ties[0].severity, 'warning');
    assert.deepEqual(ties[0].witness, { facts: {} });
  });

  it('does not report systems of one category whose ranks differ: the lattice decides (a conflict)', async () => {
    const result = await check({
      actuators: windows,
      systems: [
        { id: 'vent', category: 'comfort', targets: ['kind:window'] },
        { id: 'scenes', category: 'comfort', rank: 1, targets: ['kind:window'] },
      ],
    });
    assert.deepEqual(ofKind(result, 'tie'), []);
    assert.deepEqual(ofKind(result, 'conflict').filter((f) => !f.claimants.includes('manual')).map((f) => f.claimants), [['scenes', 'vent']]);
  });

  it('reports a system and an assert rule of its category and rank, with the facts under which the rule holds', async () => {
    const result = await check({
      actuators: windows,
      systems: [{ id: 'security', category: 'property', targets: ['kind:window'] }],
      facts: [{ name: 'rain', initial: false }],
      policies: [assertRule('rain-close', when('rain', 'equal', true), 'kind:window', 'closed', 'property')],
    });
    const [tie] = ofKind(result, 'tie');
    assert.deepEqual(tie.claimants, ['policy:rain-close', 'security']);
    assert.deepEqual(tie.rules, ['rain-close']);
    assert.deepEqual(tie.witness, { facts: { rain: true } });
  });

  it('reports two assert rules that can hold at the same time, with a witness where both hold', async () => {
    const result = await check({
      actuators: windows,
      facts: [
        { name: 'wind', initial: 0 },
        { name: 'co2', initial: 400 },
      ],
      policies: [
        assertRule('storm-close', when('wind', 'greaterThanInclusive', 15), 'kind:window', 'closed', 'comfort'),
        assertRule('air-out', when('co2', 'greaterThan', 1500), 'living.window', 'open', 'comfort'),
      ],
    });
    const [tie] = ofKind(result, 'tie');
    assert.deepEqual(tie.claimants, ['policy:air-out', 'policy:storm-close']);
    assert.deepEqual(tie.targets, ['living.window']);
    const facts = tie.witness!.facts as { wind: number; co2: number };
    assert.ok(facts.wind >= 15 && facts.co2 > 1500, JSON.stringify(facts));
  });

  it('does not report two assert rules whose conditions exclude each other', async () => {
    const result = await check({
      actuators: windows,
      facts: [{ name: 'wind', initial: 0 }],
      policies: [
        assertRule('storm-close', when('wind', 'greaterThanInclusive', 15), 'kind:window', 'closed', 'comfort'),
        assertRule('calm-open', when('wind', 'lessThan', 5), 'kind:window', 'open', 'comfort'),
      ],
    });
    assert.deepEqual(ofKind(result, 'tie'), []);
    assert.deepEqual(ofKind(result, 'conflict').filter((f) => f.claimants.every((c) => c.startsWith('policy:'))), []);
  });

  it('does not report a system whose command a forbid denies whenever the rule holds (the forbid revokes it first)', async () => {
    const result = await check({
      actuators: windows,
      systems: [{ id: 'security', category: 'property', targets: ['kind:window'] }],
      facts: [{ name: 'rain', initial: false }],
      policies: [
        assertRule('rain-close', when('rain', 'equal', true), 'kind:window', 'closed', 'property'),
        { name: 'rain-no-open', conditions: when('rain', 'equal', true), event: { type: 'forbid', params: { target: 'kind:window', state: 'open' } } },
      ],
    });
    assert.deepEqual(ofKind(result, 'tie'), []);
  });
});
