import { strict as assert } from 'node:assert';
import Database from 'better-sqlite3';
import { Arbiter } from '../../engine/arbiter';
import { buildCoreConfig } from '../../engine/config/arbiter-config';
import { LifetimeMonitor } from '../../server/lifetime-monitor';

const HOUR = 3_600_000;

describe('server/lifetime-monitor: cycles and on-hours per actuator', () => {
  let db: Database.Database;
  let arbiter: Arbiter;
  let now: number;
  let warnings: { target: string; counter: string; value: number; limit: number }[];

  const monitor = () =>
    new LifetimeMonitor(db, arbiter, new Map([['hall.light', { cycles: 10, hours: 100 }]]), (w) => warnings.push(w), () => now);

  beforeEach(async () => {
    db = new Database(':memory:');
    now = 0;
    warnings = [];
    arbiter = new Arbiter({
      config: buildCoreConfig({ actuators: [{ id: 'hall.light', kind: 'light', initial: 'off' }], systems: [{ id: 'security', category: 'property' }] }),
    });
    await arbiter.start();
  });

  afterEach(async () => {
    await arbiter.stop();
    db.close();
  });

  const set = (state: string) => arbiter.command({ system: 'security', target: 'hall.light', state });

  it('counts confirmed changes and the hours spent on, and keeps them across a restart of the monitor', async () => {
    const first = monitor();
    first.start();
    await set('on');
    now += 2 * HOUR;
    await set('off');
    now += 5 * HOUR;
    await set('on');
    now += HOUR;
    assert.deepEqual(first.counters('hall.light'), { cycles: 3, hours: 3, limit: { cycles: 10, hours: 100 } });
    first.stop();
    const second = monitor();
    second.start();
    assert.equal(second.counters('hall.light').cycles, 3);
    assert.equal(second.counters('hall.light').hours, 3, 'on since before the restart, still counting');
    second.stop();
  });

  it('warns once when a counter passes 90 % of its declared limit', async () => {
    const m = monitor();
    m.start();
    for (let i = 0; i < 8; i++) await set(i % 2 ? 'off' : 'on');
    assert.deepEqual(warnings, []);
    await set('on');
    await set('off');
    await set('on');
    assert.deepEqual(warnings, [{ type: 'lifetime-warning', target: 'hall.light', counter: 'cycles', value: 9, limit: 10 }]);
    m.stop();
  });
});
