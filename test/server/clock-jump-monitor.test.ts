import { strict as assert } from 'node:assert';
import { ClockJumpMonitor } from '../../server/clock-jump-monitor';
import { sandbox } from '../support/setup';

describe('server/clock-jump-monitor: a step of the wall clock is detected and logged', () => {
  it('reports a jump of more than 2 s between two checks, forward or back, and nothing for slow drift', () => {
    const clock = sandbox.useFakeTimers();
    let drift = 0;
    const jumps: { jump: number; drift: number }[] = [];
    const monitor = new ClockJumpMonitor(() => drift, (j) => jumps.push(j));
    monitor.start();
    drift = 1500; // NTP slewing: under the threshold
    clock.tick(5000);
    drift = 3600_000 + 1500; // someone sets the clock an hour ahead
    clock.tick(5000);
    drift = 1500 - 30_000; // and then back, 30 s behind
    clock.tick(5000);
    monitor.stop();
    drift = 0;
    clock.tick(20_000);
    assert.deepEqual(jumps, [
      { jump: 3600_000, drift: 3600_000 + 1500 },
      { jump: -3630_000, drift: -28_500 },
    ]);
  });
});
