import { strict as assert } from 'node:assert';
import { statusOf } from '../../../nodes/lib/status-vocabulary';

describe('status vocabulary', () => {
  it('translates each word once and puts the values in afterwards', () => {
    const asked: string[] = [];
    const translate = (key: string, params: Record<string, unknown> = {}) => {
      asked.push(key);
      return [key.split('.').pop(), ...Object.values(params)].join(' ');
    };
    const first = statusOf(translate, 'deferred', { target: 'living.window', winner: 'security' });
    const second = statusOf(translate, 'deferred', { target: 'front.lock', winner: 'policy:fire' });
    assert.deepEqual(first, { fill: 'yellow', shape: 'dot', text: 'deferred living.window security' });
    assert.equal(second.text, 'deferred front.lock policy:fire');
    assert.deepEqual(asked, ['home-arbiter/arbiter-supervisor:status.deferred']);
    assert.equal(statusOf(translate, 'ready').text, 'ready');
  });
});
