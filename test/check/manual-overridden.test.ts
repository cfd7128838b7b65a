import { strict as assert } from 'node:assert';
import { assertRule, check, ofKind, when } from './support';

const systems = [
  { id: 'security', category: 'property', targets: ['front.lock'] },
  { id: 'vent', category: 'comfort', targets: ['front.lock'] },
];
const fire = assertRule('fire-evacuation', when('smoke', 'equal', true), 'front.lock', 'unlocked', 'life');

describe('check: manual-overridden', () => {
  it('reports, once per actuator, a person\'s change recorded below the systems and rules that target it', async () => {
    const result = await check({ actuators: [{ id: 'front.lock', kind: 'lock', initial: 'locked' }], systems, facts: [{ name: 'smoke', initial: false }], policies: [fire] });
    const found = ofKind(result, 'manual-overridden');
    assert.equal(found.length, 1);
    assert.equal(found[0].severity, 'warning');
    assert.deepEqual(found[0].targets, ['front.lock']);
    assert.deepEqual(found[0].claimants, ['manual', 'policy:fire-evacuation', 'security']);
    assert.deepEqual(found[0].rules, ['fire-evacuation']);
    // Security, a system, locks the door again while the fire rule, which would win over both, does not hold.
    assert.deepEqual(found[0].witness, { facts: { smoke: false } });
    assert.match(found[0].message, /front\.lock is recorded at comfort, below security \(property\) and policy:fire-evacuation \(unlocked at life\)/);
  });

  it('finds nothing once the person\'s change is recorded at property: only life rules remain above it', async () => {
    const result = await check({ actuators: [{ id: 'front.lock', kind: 'lock', initial: 'locked', manual: { category: 'property' } }], systems, facts: [{ name: 'smoke', initial: false }], policies: [fire] });
    const [found] = ofKind(result, 'manual-overridden');
    assert.deepEqual(found.claimants, ['manual', 'policy:fire-evacuation']);
    assert.deepEqual(found.witness, { facts: { smoke: true } });
    const withoutFire = await check({ actuators: [{ id: 'front.lock', kind: 'lock', initial: 'locked', manual: { category: 'property' } }], systems });
    assert.deepEqual(ofKind(withoutFire, 'manual-overridden'), []);
  });

  it('finds nothing on an actuator that records no manual change (manual: false)', async () => {
    const result = await check({ actuators: [{ id: 'front.lock', kind: 'lock', initial: 'locked', manual: false }], systems });
    assert.deepEqual(ofKind(result, 'manual-overridden'), []);
    assert.deepEqual(result.findings.filter((f) => f.claimants.includes('manual')), []);
  });

  it('does not count a rule that asserts the only state there is, or one that can never hold', async () => {
    const result = await check({
      actuators: [{ id: 'siren', kind: 'siren', states: ['silent'], initial: 'silent' }],
      systems: [{ id: 'security', category: 'property', targets: ['siren'] }],
    });
    assert.deepEqual(ofKind(result, 'manual-overridden'), []);
  });
});
