import { strict as assert } from 'node:assert';
import { factDomains, splitPoints } from '../../check/fact-domains';
import { buildCoreConfig } from '../../engine/config/arbiter-config';

describe('check: fact domains split at the constants the conditions compare against', () => {
  it('takes each number, the midpoints and one beyond each end; each string and one equal to none; both booleans', () => {
    assert.deepEqual(splitPoints([15, 5, 15]), [4, 5, 10, 15, 16]);
    assert.deepEqual(splitPoints(['home', 'away']), ['home', 'away', 'other']);
    assert.deepEqual(splitPoints(['other']), ['other', 'other*']);
    assert.deepEqual(splitPoints([true]), [true, false]);
  });

  it('gives a fact its initial value first, the points of its type, and its whenStale value; an actuator fact its states', () => {
    const config = buildCoreConfig({
      actuators: [
        { id: 'shutter', kind: 'shutter', initial: 'open' },
        { id: 'ac', kind: 'ac', range: [16, 30], initial: 22 },
      ],
      facts: [{ name: 'wind', initial: 3, maxAge: '10m', whenStale: 99 }, { name: 'mode' }],
      policies: [
        { name: 'a', conditions: { all: [{ fact: 'wind', operator: 'greaterThan', value: 15 }, { fact: 'wind', operator: 'notEqual', value: 'calm' }] }, event: { type: 'notify' } },
        { name: 'b', conditions: { any: [{ fact: 'mode', operator: 'in', value: ['home', 'night'] }, { fact: 'actuator:shutter', operator: 'equal', value: 'closed' }] }, event: { type: 'notify' } },
        { name: 'c', conditions: { all: [{ fact: 'actuator:ac', operator: 'lessThan', value: 18 }] }, event: { type: 'notify' } },
      ],
    });
    const domains = factDomains(config);
    assert.deepEqual(domains.get('wind')!.values, [3, 14, 15, 16, 99]);
    assert.deepEqual(domains.get('mode')!.values, [undefined, 'home', 'night', 'other']);
    assert.deepEqual(domains.get('actuator:shutter')!.values, ['open', 'closed']);
    assert.equal(domains.get('actuator:shutter')!.actuator, true);
    assert.deepEqual(domains.get('actuator:ac')!.values, [22, 16, 17, 18, 24, 30]);
  });
});
