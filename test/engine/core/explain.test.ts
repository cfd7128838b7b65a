import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { CATEGORIES } from '../../../engine/core/category';
import type { Claim } from '../../../engine/core/claim';
import { explainActuator, explainClaim } from '../../../engine/core/explain';

const CLAIMANTS = ['fire', 'security', 'vent', 'av', 'manual'];

const claims: fc.Arbitrary<Claim[]> = fc
  .uniqueArray(
    fc.record({
      claimant: fc.constantFrom(...CLAIMANTS),
      state: fc.constantFrom('open', 'closed'),
      category: fc.constantFrom(...CATEGORIES),
      rank: fc.integer({ min: 0, max: 2 }),
      manual: fc.boolean(),
      since: fc.integer({ min: 0, max: 3 }),
    }),
    { selector: (c) => c.claimant, maxLength: CLAIMANTS.length },
  )
  .map((list) => list.map((c, seq) => ({ ...c, target: 'living.window', expiresAt: null, seq })));

describe('explain: one claim as the whole explanation gives it', () => {
  it('explainClaim agrees with explainActuator for every claimant, incumbent and safe state', () => {
    fc.assert(
      fc.property(claims, fc.option(fc.constantFrom(...CLAIMANTS), { nil: null }), fc.option(fc.constantFrom('open', 'closed'), { nil: undefined }), (list, incumbent, safe) => {
        const rec = { spec: { id: 'living.window', safe }, state: 'closed', desired: 'closed', winner: incumbent, available: true };
        const whole = explainActuator(rec, list);
        for (const claimant of CLAIMANTS) assert.deepEqual(explainClaim(rec, list, claimant), whole.claims.find((c) => c.claimant === claimant));
      }),
    );
  });
});
