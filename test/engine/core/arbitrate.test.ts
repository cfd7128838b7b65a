import { strict as assert } from 'node:assert';
import { arbitrate } from '../../../engine/core/arbitrate';
import type { Claim } from '../../../engine/core/claim';
import { comparePriority } from '../../../engine/core/lattice';

let seq = 0;
function claim(claimant: string, state: string, fields: Partial<Claim> = {}): Claim {
  return { claimant, target: 't', state, category: 'comfort', rank: 0, manual: false, since: 0, expiresAt: null, seq: seq++, ...fields };
}

describe('arbitrate (SPEC.md §3)', () => {
  it('gives no winner without claims', () => {
    assert.deepEqual(arbitrate([], null, undefined), { winner: undefined, reason: 'none' });
  });

  it('ranks category first, then manual over automatic, then rank', () => {
    const life = claim('fire', 'unlocked', { category: 'life' });
    const manualProperty = claim('manual', 'locked', { category: 'property', manual: true, rank: -5 });
    const property = claim('security', 'locked', { category: 'property', rank: 9 });
    const comfort = claim('vent', 'unlocked', { category: 'comfort', rank: 100 });
    assert.equal(arbitrate([comfort, property, manualProperty, life], null, undefined).winner, life);
    assert.equal(arbitrate([comfort, property, manualProperty], null, undefined).winner, manualProperty);
    assert.equal(arbitrate([comfort, property], null, undefined).winner, property);
    assert.equal(arbitrate([comfort, property], null, undefined).reason, 'priority');
    assert.ok(comparePriority(manualProperty, property) > 0);
    assert.ok(comparePriority(claim('a', 'x', { rank: 2 }), claim('b', 'x', { rank: 1 })) > 0);
  });

  it('lets the safe state win a tie, keeping a safe incumbent', () => {
    const early = claim('vent', 'open', { since: 0 });
    const safeLate = claim('humidity', 'closed', { since: 60 });
    const safeLater = claim('rain', 'closed', { since: 90 });
    assert.deepEqual(arbitrate([early, safeLate], 'vent', 'closed'), { winner: safeLate, reason: 'tie-safe' });
    assert.equal(arbitrate([early, safeLate, safeLater], 'rain', 'closed').winner, safeLater);
    assert.equal(arbitrate([early, safeLater, safeLate], null, 'closed').winner, safeLate);
  });

  it('keeps the incumbent in a tie without a safe state, otherwise picks the earliest', () => {
    const a = claim('a', 'on', { since: 10 });
    const b = claim('b', 'off', { since: 5 });
    assert.deepEqual(arbitrate([a, b], 'a', undefined), { winner: a, reason: 'tie-incumbent' });
    assert.deepEqual(arbitrate([a, b], null, undefined), { winner: b, reason: 'tie-earliest' });
  });

  it('ignores the safe state when the tied claims agree', () => {
    const a = claim('a', 'open', { since: 10 });
    const b = claim('b', 'open', { since: 5 });
    assert.deepEqual(arbitrate([a, b], 'a', 'closed'), { winner: a, reason: 'tie-incumbent' });
  });

  it('orders claims recorded at the same instant by arrival', () => {
    const first = claim('first', 'on', { since: 7 });
    const second = claim('second', 'off', { since: 7 });
    assert.equal(arbitrate([second, first], null, undefined).winner, first);
  });
});
