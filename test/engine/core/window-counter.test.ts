import { strict as assert } from 'node:assert';
import { WindowCounter } from '../../../engine/core/window-counter';

describe('window counter (SPEC.md §7 "within window")', () => {
  it('alarms on the threshold-th event less than a window old, once until a quiet window passes', () => {
    const counter = new WindowCounter<string>(60_000, 3);
    assert.deepEqual([0, 30_000].map((t) => counter.hit('ac', t)), [false, false]);
    assert.equal(counter.hit('ac', 60_000), false, 'the event at 0 is exactly a window old: it no longer counts');
    assert.equal(counter.hit('ac', 70_000), true);
    assert.equal(counter.hit('ac', 80_000), false, 'quiet until a whole window passes without the event');
    assert.deepEqual([140_000, 150_000, 160_000].map((t) => counter.hit('ac', t)), [false, false, true]);
  });

  it('forgets subjects that were quiet for a whole window', () => {
    const counter = new WindowCounter<string>(1_000, 2);
    for (let i = 0; i < 100; i++) counter.hit(`pair-${i}`, i);
    assert.equal(counter.size, 100);
    counter.hit('late', 5_000);
    assert.equal(counter.size, 1);
  });
});
