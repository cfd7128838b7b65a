import assert from 'node:assert/strict';
import { NodeRedHarness } from './support/node-red-harness';
import { actuator, catchAll, events, helpers, supervisor, system } from './support/flows';

const ACTUATORS = [
  { id: 'living.window', kind: 'window', initial: 'closed', zone: 'living' },
  { id: 'living.blind', kind: 'blind', initial: 'open', zone: 'living' },
  { id: 'front.lock', kind: 'lock', initial: 'locked' },
];

describe('arbiter-actuator', function () {
  const h = new NodeRedHarness();
  before(() => h.startServer());
  after(() => h.stopServer());
  beforeEach(() => h.newUserDir());
  afterEach(() => h.unload());

  it('sends the dispatches of every actuator its selector matches, and only those', async () => {
    await h.load([supervisor({ actuators: ACTUATORS }), system('home', 'property'), actuator('zone:living', 'living'), ...helpers('outcomes', 'dispatches')]);
    await h.statusMatching('living', (s) => s.text === '2 actuators', 'watching badge');
    await h.send('sys-home', { payload: { target: 'front.lock', state: 'unlocked' } }, 'outcomes');
    await h.send('sys-home', { payload: { target: 'living.blind', state: 'closed' } }, 'dispatches');
    assert.deepEqual(
      h.messages('dispatches').map((m) => [m.topic, m.payload, m.by]),
      [['living.blind', 'closed', 'home']],
    );
    await h.statusMatching('living', (s) => s.text === 'living.blind → closed', 'last dispatch badge');
  });

  it('turns the device being unreachable and back into degraded, restored and the pending dispatch', async () => {
    await h.load([supervisor({ actuators: ACTUATORS }), system('home', 'property'), actuator('living.window', 'window'), events(['degraded', 'restored']), ...helpers('outcomes', 'dispatches', 'seen')]);
    h.node('window').receive({ available: false });
    await h.statusMatching('window', (s) => s.text === 'living.window unavailable', 'unavailable badge');
    await h.send('sys-home', { payload: { target: 'living.window', state: 'open' } }, 'outcomes');
    h.node('window').receive({ available: true });
    await h.until(() => h.messages('dispatches').length === 1, 'the dispatch after recovery');
    assert.deepEqual(h.messages('seen').map((m) => [m.topic, (m.payload as { target: string }).target]), [['degraded', 'living.window'], ['restored', 'living.window']]);
    await h.statusMatching('window', (s) => s.text === 'home: open', 'owner badge again');
  });

  it('rejects a state the actuator does not have and a topic it does not watch', async () => {
    await h.load([supervisor({ actuators: ACTUATORS }), actuator('zone:living', 'living'), actuator('living.window', 'window'), ...helpers('dispatches'), ...catchAll()]);
    h.node('window').receive({ payload: 'ajar' });
    h.node('living').receive({ topic: 'front.lock', payload: 'unlocked' });
    await h.until(() => h.messages('errors').length === 2, 'two errors caught');
    const errors = h.messages('errors').map((m) => (m.error as { message: string }).message).sort();
    assert.match(errors[0], /^MessageError: msg\.payload: "ajar" is not a state of living\.window/);
    assert.match(errors[1], /^MessageError: msg\.topic: "front\.lock" is not one of the actuators this node watches \(living\.window, living\.blind\)/);
  });

  it('answers msg.topic "explain" with who owns the actuator and why the other claims wait', async () => {
    await h.load([
      supervisor({ actuators: ACTUATORS }),
      system('vent', 'comfort'),
      system('security', 'property', { wires: ['security'] }),
      actuator('living.window', 'window'),
      actuator('zone:living', 'living', ['explained']),
      ...helpers('outcomes', 'security', 'dispatches', 'explained'),
      ...catchAll(),
    ]);
    await h.send('sys-vent', { payload: { target: 'living.window', state: 'open' } }, 'outcomes');
    await h.send('sys-security', { payload: { target: 'living.window', state: 'closed' } }, 'security');
    await h.send('window', { topic: 'explain', ask: 1 }, 'dispatches', h.messages('dispatches').length + 1);
    const answer = h.messages('dispatches').at(-1)!;
    assert.equal(answer.topic, 'explain');
    assert.equal(answer.ask, 1, 'the rest of the message passes through');
    const arbiter = await h.node('sup').supervisor!.ready();
    assert.deepEqual(answer.payload, arbiter.explain('living.window'));
    assert.match(answer.description as string, /^living\.window is closed \(desired closed\): security wins, the highest priority .*; vent \(open\) waits: its category comfort is below property$/);

    await h.send('living', { topic: 'explain', payload: 'living.blind' }, 'explained');
    assert.equal(h.messages('explained').at(-1)!.description, 'living.blind is open (desired open): no claim');
    h.node('living').receive({ topic: 'explain' });
    await h.until(() => h.messages('errors').length === 1, 'the error');
    assert.match((h.messages('errors')[0].error as { message: string }).message, /^MessageError: msg\.payload: is required: one of the actuators this node watches \(living\.window, living\.blind\), to explain/);
  });

  it('is invalid when its target matches no actuator', async () => {
    await h.load([supervisor({ actuators: ACTUATORS }), actuator('kind:valve', 'valves'), ...helpers('dispatches')]);
    await h.statusMatching('valves', (s) => s.text === 'invalid configuration', 'invalid badge');
    const node = h.node('valves') as unknown as { _inputCallback?: unknown; _inputCallbacks?: unknown[] | null };
    assert.ok(!node._inputCallback && !node._inputCallbacks?.length, 'no input handler');
  });
});
