import { strict as assert } from 'node:assert';
import { checkedHome } from '../../bench/check';
import { checkConfig } from '../../check/check-config';
import { buildCoreConfig } from '../../engine/config/arbiter-config';

describe('bench check home', () => {
  it('is a valid home in which the check finds the two loops, ties and rules that hold together with other states', async () => {
    const result = await checkConfig(buildCoreConfig(checkedHome({ actuators: 80, systems: 6, rules: 30 })));
    const loops = result.findings.filter((f) => f.kind === 'loop');
    assert.deepEqual(loops.map((f) => f.rules), [['chase-0-a', 'chase-0-b'], ['chase-1-a', 'chase-1-b']]);
    assert.ok(loops.every((f) => f.witness), 'each loop has a witness');
    const rulePairs = result.findings.filter((f) => f.claimants.length === 2 && f.claimants.every((c) => c.startsWith('policy:')));
    assert.ok(rulePairs.length > 0, 'pairs of rules that can hold together with different states');
    assert.ok(result.findings.some((f) => f.kind === 'tie'));
  });
});
