import { strict as assert } from 'node:assert';
import { openHome, type OpenHome } from '../../bench/open-home';
import { HEADLINE } from '../../bench/workload';

describe('bench workload', () => {
  let home: OpenHome | undefined;
  afterEach(async () => {
    await home?.close();
    home = undefined;
  });

  it('makes about 30 % of the commands conflict, and every one of them is authorized', async () => {
    home = await openHome(HEADLINE, 'memory');
    const outcomes = await Promise.all(Array.from({ length: 3_000 }, () => home!.arbiter.command(home!.commands.next())));
    const conflicts = home.counts.get('conflict') ?? 0;
    assert.ok(conflicts / outcomes.length > 0.25 && conflicts / outcomes.length < 0.35, `conflict share ${conflicts / outcomes.length}`);
    const denials = outcomes.filter((o) => o.outcome === 'denied');
    assert.deepEqual([...new Set(denials.map((d) => (d.outcome === 'denied' ? d.reason : '')))].filter((r) => r !== 'forbidden'), []);
  });

  it('claims every actuator once before anything is measured, on the SQLite store too', async () => {
    home = await openHome({ actuators: 40, systems: 5, rules: 3 }, 'sqlite');
    const ids = [...home.arbiter.tables.actuatorIds()];
    assert.equal(ids.length, 40);
    for (const id of ids) assert.notEqual(home.arbiter.tables.claimsOn(id).length, 0, `${id} has no claim`);
  });
});
