import { strict as assert } from 'node:assert';
import Database from 'better-sqlite3';
import { Arbiter } from '../../engine/arbiter';
import { VirtualClock } from '../../engine/clock';
import { buildCoreConfig } from '../../engine/config/arbiter-config';
import type { ArbiterEvent } from '../../engine/core/events';
import { LifetimeMonitor } from '../../server/lifetime-monitor';

const HOUR = 3_600_000;

describe('server/lifetime-monitor: cycles and on-hours per actuator', () => {
  let db: Database.Database;
  let arbiter: Arbiter;
  let clock: VirtualClock;
  let warnings: { target: string; counter: string; value: number; limit: number }[];
  let alarms: Extract<ArbiterEvent, { type: 'alarm' }>[];

  const monitor = (limit: { cycles?: number; hours?: number; until?: string } = { cycles: 10, hours: 100 }) =>
    new LifetimeMonitor(db, arbiter, new Map([['hall.light', limit]]), (w) => warnings.push(w), clock);
  const later = (ms: number) => clock.advanceTo(clock.now() + ms);

  beforeEach(async () => {
    db = new Database(':memory:');
    clock = new VirtualClock(0);
    warnings = [];
    alarms = [];
    arbiter = new Arbiter({
      config: buildCoreConfig({ actuators: [{ id: 'hall.light', kind: 'light', initial: 'off' }], systems: [{ id: 'security', category: 'property' }] }),
    });
    arbiter.events$.subscribe((e) => e.type === 'alarm' && alarms.push(e));
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
    await later(2 * HOUR);
    await set('off');
    await later(5 * HOUR);
    await set('on');
    await later(HOUR);
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

  it('raises the lifetime-exceeded alarm once when a counter reaches its limit', async () => {
    const m = monitor({ cycles: 4 });
    m.start();
    for (const state of ['on', 'off', 'on']) await set(state);
    assert.equal(alarms.length, 0);
    await set('off');
    await set('on');
    assert.deepEqual(alarms.map((a) => [a.kind, a.target, a.message]), [['lifetime-exceeded', 'hall.light', 'cycles at 4 of 4: replace or service the device']]);
    m.stop();
  });

  it('raises the lifetime-exceeded alarm when the service period `until` ends, checked each minute in engine time', async () => {
    const until = '1970-01-02'; // a day after the virtual clock's start
    const m = monitor({ until });
    m.start();
    await later(23 * HOUR);
    assert.equal(alarms.length, 0);
    await later(HOUR + 60_000);
    assert.deepEqual(alarms.map((a) => [a.kind, a.target, a.message]), [['lifetime-exceeded', 'hall.light', `service period ended on ${until}: replace or service the device`]]);
    await later(HOUR);
    assert.equal(alarms.length, 1, 'once');
    m.stop();
  });
  it('says a warning and an alarm once across restarts on the same store, and anew for a changed limit', async () => {
    const first = monitor({ cycles: 2, until: '1970-01-01' });
    first.start();
    await set('on');
    await set('off');
    assert.deepEqual(alarms.map((a) => a.message), ['service period ended on 1970-01-01: replace or service the device', 'cycles at 2 of 2: replace or service the device']);
    assert.equal(warnings.length, 1);
    first.stop();

    const again = monitor({ cycles: 2, until: '1970-01-01' });
    again.start();
    await later(2 * 60_000);
    assert.equal(alarms.length, 2, 'an exceeded device is not alarmed again at each start: its alarm is active until acknowledged');
    assert.equal(warnings.length, 1);
    again.stop();

    const serviced = monitor({ cycles: 3, until: '1970-01-01' });
    serviced.start();
    await set('on');
    assert.deepEqual(alarms.slice(2).map((a) => a.message), ['cycles at 3 of 3: replace or service the device']);
    assert.deepEqual(warnings.slice(1).map((w) => [w.value, w.limit]), [[3, 3]]);
    serviced.stop();
  });
});
