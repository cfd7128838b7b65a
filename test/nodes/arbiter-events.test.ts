import assert from 'node:assert/strict';
import { NodeRedHarness } from './support/node-red-harness';
import { context, events, helpers, supervisor, system } from './support/flows';

describe('arbiter-events and arbiter-context', function () {
  const h = new NodeRedHarness();
  before(() => h.startServer());
  after(() => h.stopServer());
  beforeEach(() => h.newUserDir());
  afterEach(() => h.unload());

  it('passes the selected event types only, and shows the last alarm (UC5 persistent conflict)', async () => {
    await h.load([
      supervisor({ actuators: [{ id: 'factory.ac', kind: 'ac', initial: 'on' }] }),
      system('power-manager', 'property'),
      system('robot-climate', 'comfort'),
      events(['alarm'], 'alarms', ['seen']),
      events([], 'all', ['everything']),
      ...helpers('outcomes', 'seen', 'everything'),
    ]);
    await h.send('sys-power-manager', { payload: { target: 'factory.ac', state: 'off' } }, 'outcomes');
    for (let i = 2; i <= 4; i++) await h.send('sys-robot-climate', { payload: { target: 'factory.ac', state: 'on' } }, 'outcomes', i);
    await h.until(() => h.messages('seen').length === 1, 'the alarm');
    const alarm = h.messages('seen')[0];
    assert.equal(alarm.topic, 'alarm');
    assert.deepEqual({ ...(alarm.payload as object), at: 0 }, { type: 'alarm', kind: 'persistent-conflict', target: 'factory.ac', systems: ['power-manager', 'robot-climate'], at: 0 });
    assert.equal(alarm.description, 'ALARM persistent-conflict on factory.ac between power-manager and robot-climate');
    assert.equal((await h.statusMatching('alarms', (s) => s.text === 'alarm: persistent-conflict factory.ac', 'alarm badge')).fill, 'red');
    const types = new Set(h.messages('everything').map((m) => m.topic));
    for (const t of ['claimed', 'dispatched', 'conflict', 'alarm']) assert.ok(types.has(t), `no filter passes ${t}`);
  });

  it('shows a life state that cannot reach an unreachable device as an alarm (SPEC.md §4 undeliverable)', async () => {
    await h.load([supervisor({ actuators: [{ id: 'front.lock', kind: 'lock', initial: 'locked' }] }), system('disaster', 'life'), events(['alarm'], 'alarms', ['seen']), ...helpers('outcomes', 'seen')]);
    const arbiter = await h.node('sup').supervisor!.ready();
    arbiter.setAvailability('front.lock', false, 'no answer');
    await h.send('sys-disaster', { payload: { target: 'front.lock', state: 'unlocked' } }, 'outcomes');
    await h.until(() => h.messages('seen').length === 1, 'the alarm');
    assert.equal(h.messages('seen')[0].description, 'ALARM undeliverable on front.lock (unlocked cannot be delivered)');
    assert.equal((await h.statusMatching('alarms', (s) => s.text === 'alarm: undeliverable front.lock', 'alarm badge')).fill, 'red');
  });

  it('shows the last conflict, and says why the loser waits as the status page does', async () => {
    await h.load([supervisor({ actuators: [{ id: 'factory.ac', kind: 'ac', initial: 'on' }] }), system('power-manager', 'property'), system('robot-climate', 'comfort'), events(['conflict']), ...helpers('outcomes', 'seen')]);
    await h.send('sys-power-manager', { payload: { target: 'factory.ac', state: 'off' } }, 'outcomes');
    await h.send('sys-robot-climate', { payload: { target: 'factory.ac', state: 'on' } }, 'seen');
    assert.equal((await h.statusMatching('events', (s) => /^conflict on/.test(s.text ?? ''), 'conflict badge')).text, 'conflict on factory.ac: power-manager beats robot-climate');
    const conflict = h.messages('seen')[0];
    assert.equal(conflict.reason, 'its category comfort is below property');
    assert.equal(conflict.description, 'conflict on factory.ac: power-manager (off) beats robot-climate (on) by priority: robot-climate waits, its category comfort is below property');
  });

  it('keeps an alarm on the badge until it is acknowledged, whatever conflicts come after', async () => {
    await h.load([
      supervisor({ actuators: [{ id: 'factory.ac', kind: 'ac', initial: 'on' }] }),
      system('power-manager', 'property'),
      system('robot-climate', 'comfort'),
      events(['conflict', 'alarm']),
      ...helpers('outcomes', 'seen'),
    ]);
    await h.send('sys-power-manager', { payload: { target: 'factory.ac', state: 'off' } }, 'outcomes');
    for (let i = 2; i <= 4; i++) await h.send('sys-robot-climate', { payload: { target: 'factory.ac', state: 'on' } }, 'outcomes', i);
    await h.statusMatching('events', (s) => s.text === 'alarm: persistent-conflict factory.ac', 'alarm badge');
    await h.send('sys-robot-climate', { payload: { target: 'factory.ac', state: 'on' } }, 'outcomes', 5);
    await h.until(() => h.messages('seen').filter((m) => m.topic === 'conflict').length === 4, 'the conflict after the alarm');
    assert.equal(h.status('events')!.text, 'alarm: persistent-conflict factory.ac', 'the conflict did not replace the alarm');

    h.node('events').receive({ topic: 'acknowledge' });
    const after = await h.statusMatching('events', (s) => /^conflict on/.test(s.text ?? ''), 'the last conflict once acknowledged');
    assert.equal(after.fill, 'yellow');
  });

  it('passes the health events announced on the engine: a trend warning, a read-back diagnosis, a lifetime-exceeded alarm', async () => {
    await h.load([supervisor({ actuators: [{ id: 'front.lock', kind: 'lock', initial: 'locked' }] }), events(['trend-warning', 'diagnostics', 'alarm'], 'health', ['seen']), ...helpers('seen')]);
    const arbiter = await h.node('sup').supervisor!.ready();
    arbiter.announce({ type: 'trend-warning', subject: 'front.lock', measure: 'battery', value: 15, baseline: 96 });
    arbiter.announce({ type: 'diagnostics', results: [{ subject: 'actuator:front.lock', ok: false, outcome: 'manual', message: 'reads unlocked, the engine held locked: changed by hand' }] });
    arbiter.announce({ type: 'alarm', kind: 'lifetime-exceeded', target: 'front.lock', message: 'cycles at 20000 of 20000: replace or service the device' });
    await h.until(() => h.messages('seen').length === 3, 'the three health events');
    assert.deepEqual(h.messages('seen').map((m) => [m.topic, m.description]), [
      ['trend-warning', 'trend: front.lock battery at 15, baseline 96'],
      ['diagnostics', 'diagnostics: FAILED actuator:front.lock: reads unlocked, the engine held locked: changed by hand'],
      ['alarm', 'ALARM lifetime-exceeded on front.lock: cycles at 20000 of 20000: replace or service the device'],
    ]);
    assert.equal((await h.statusMatching('health', (s) => s.text === 'alarm: lifetime-exceeded front.lock', 'alarm badge')).fill, 'red');
  });

  it('refuses an unknown event type', async () => {
    await h.load([supervisor({ actuators: [{ id: 'factory.ac', kind: 'ac' }] }), events(['conflicts']), ...helpers('seen')]);
    await h.statusMatching('events', (s) => s.text === 'invalid configuration', 'invalid badge');
  });

  it('sets facts from topic and payload, or from an object of facts, and shows the last one', async () => {
    await h.load([supervisor({ actuators: [{ id: 'factory.ac', kind: 'ac' }], facts: [{ name: 'rain' }, { name: 'mode' }] }), context(), ...helpers('seen')]);
    const arbiter = await h.node('sup').supervisor!.ready();
    h.node('context').receive({ topic: 'rain', payload: true });
    await h.statusMatching('context', (s) => s.text === 'rain = true', 'fact badge');
    h.node('context').receive({ payload: { mode: 'away', rain: false } });
    await h.until(() => arbiter.tables.fact('mode')?.value === 'away', 'mode to be set');
    assert.equal(arbiter.tables.fact('rain')?.value, false);
  });
});
