import assert from 'node:assert/strict';
import { NodeRedHarness } from './support/node-red-harness';
import { catchAll, helpers, operator, supervisor, system } from './support/flows';

const ACTUATORS = [
  { id: 'living.window', kind: 'window', initial: 'closed' },
  { id: 'front.lock', kind: 'lock', initial: 'locked' },
];

describe('arbiter-system', function () {
  const h = new NodeRedHarness();
  before(() => h.startServer());
  after(() => h.stopServer());
  beforeEach(() => h.newUserDir());
  afterEach(() => h.unload());

  const outcome = () => h.messages('outcomes').at(-1)?.payload as Record<string, unknown>;

  it('answers each command with its outcome and shows it', async () => {
    await h.load([supervisor({ actuators: ACTUATORS }), system('vent', 'comfort', { targets: 'kind:window', ttl: '10m' }), ...helpers('outcomes')]);
    await h.send('sys-vent', { topic: 'living.window', payload: 'open', extra: 42 }, 'outcomes');
    assert.deepEqual(outcome(), { outcome: 'accepted', system: 'vent', target: 'living.window', state: 'open' });
    assert.equal(h.messages('outcomes')[0].extra, 42, 'the rest of the message passes through');
    const arbiter = await h.node('sup').supervisor!.ready();
    const claim = arbiter.tables.claim('vent', 'living.window');
    assert.equal(claim!.expiresAt! - claim!.since, 600_000, "the node's lease applies");
    assert.equal((await h.statusMatching('sys-vent', (s) => s.text === 'accepted: living.window = open', 'accepted badge')).fill, 'green');

    await h.send('sys-vent', { payload: { target: 'front.lock', state: 'unlocked' } }, 'outcomes', 2);
    assert.deepEqual(outcome(), { outcome: 'denied', reason: 'unauthorized', system: 'vent', target: 'front.lock', state: 'unlocked' });
    await h.statusMatching('sys-vent', (s) => s.text === 'denied on front.lock: unauthorized', 'denied badge');
  });

  it('takes a plain decimal numeral as a number and denies any other numeric-looking text (SPEC.md §1)', async () => {
    const setpoint = { id: 'office.setpoint', kind: 'setpoint', range: [16, 30], initial: 22 };
    await h.load([supervisor({ actuators: [setpoint] }), system('climate', 'comfort'), ...helpers('outcomes')]);
    let n = 0;
    for (const text of ['0x14', '2e1', ' 22 ']) {
      await h.send('sys-climate', { topic: 'office.setpoint', payload: text }, 'outcomes', ++n);
      assert.deepEqual(outcome(), { outcome: 'denied', reason: 'invalid-state', system: 'climate', target: 'office.setpoint', state: text });
    }
    await h.send('sys-climate', { topic: 'office.setpoint', payload: '21.5' }, 'outcomes', ++n);
    assert.equal(outcome().outcome, 'accepted');
    const arbiter = await h.node('sup').supervisor!.ready();
    assert.equal(arbiter.view('office.setpoint')!.desired, 21.5);
  });

  it('says why a deferred command waits, in the words of the status page', async () => {
    await h.load([supervisor({ actuators: ACTUATORS }), system('security', 'property', { wires: ['security'] }), system('vent', 'comfort'), system('fan', 'comfort', { wires: ['fan'] }), ...helpers('outcomes', 'security', 'fan')]);
    await h.send('sys-security', { payload: { target: 'living.window', state: 'closed' } }, 'security');
    await h.send('sys-vent', { payload: { target: 'living.window', state: 'open' } }, 'outcomes');
    assert.deepEqual(outcome(), { outcome: 'deferred', winner: 'security', reason: 'its category comfort is below property', system: 'vent', target: 'living.window', state: 'open' });
    await h.send('sys-security', { topic: 'living.window', release: true }, 'security', 2);
    await h.send('sys-fan', { payload: { target: 'living.window', state: 'closed' } }, 'fan');
    assert.equal((h.messages('fan').at(-1)!.payload as Record<string, unknown>).reason, 'tied with vent, which was already winning');
  });

  it('follows its claim afterwards: deferred by a higher claim, winning again when that is released, each said once', async () => {
    await h.load([supervisor({ actuators: ACTUATORS }), system('vent', 'comfort'), system('security', 'property', { wires: ['security'] }), ...helpers('outcomes', 'security')]);
    await h.send('sys-vent', { payload: { target: 'living.window', state: 'open' } }, 'outcomes');
    await h.send('sys-security', { payload: { target: 'living.window', state: 'closed' } }, 'security');
    await h.until(() => h.messages('outcomes').length === 2, 'vent told that its claim is deferred');
    assert.deepEqual(h.messages('outcomes')[1], {
      topic: 'living.window',
      payload: { outcome: 'deferred', winner: 'security', reason: 'its category comfort is below property', system: 'vent', target: 'living.window', state: 'open' },
      _msgid: h.messages('outcomes')[1]._msgid,
    });
    await h.statusMatching('sys-vent', (s) => s.text === 'deferred to security on living.window', 'deferred badge');

    await h.send('sys-security', { topic: 'living.window', release: true }, 'security', 2);
    await h.until(() => h.messages('outcomes').length === 3, 'vent told that its claim wins again');
    assert.deepEqual(outcome(), { outcome: 'winning', system: 'vent', target: 'living.window', state: 'open' });
    assert.equal((await h.statusMatching('sys-vent', (s) => s.text === 'winning: living.window = open', 'winning badge')).fill, 'green');
    const arbiter = await h.node('sup').supervisor!.ready();
    await arbiter.settled();
    assert.equal(h.messages('outcomes').length, 3, 'nothing more: each change is said once');
    assert.equal(h.messages('security').length, 2, 'the command and the release: no standing message for a system that only gave its claim up');
  });

  it('says when its lease runs out', async () => {
    await h.load([supervisor({ actuators: ACTUATORS }), system('vent', 'comfort', { ttl: '300ms' }), ...helpers('outcomes')]);
    await h.send('sys-vent', { payload: { target: 'living.window', state: 'open' } }, 'outcomes');
    await h.until(() => h.messages('outcomes').length === 2, 'the expiry');
    assert.deepEqual(outcome(), { outcome: 'expired', system: 'vent', target: 'living.window', state: 'open' });
    await h.statusMatching('sys-vent', (s) => s.text === 'lease ran out on living.window', 'expired badge');
  });

  it('releases its claim on msg.release', async () => {
    await h.load([supervisor({ actuators: ACTUATORS }), system('vent', 'comfort'), ...helpers('outcomes')]);
    await h.send('sys-vent', { payload: { target: 'living.window', state: 'open' } }, 'outcomes');
    await h.send('sys-vent', { topic: 'living.window', release: true }, 'outcomes', 2);
    assert.deepEqual(outcome(), { outcome: 'released', system: 'vent', target: 'living.window' });
    const arbiter = await h.node('sup').supervisor!.ready();
    assert.equal(arbiter.tables.claim('vent', 'living.window'), undefined);
  });

  it('hands a message it cannot read to Catch nodes, naming the property', async () => {
    await h.load([supervisor({ actuators: ACTUATORS }), system('vent', 'comfort'), ...helpers('outcomes'), ...catchAll()]);
    h.node('sys-vent').receive({ payload: { target: 'living.window' } });
    h.node('sys-vent').receive({ payload: { target: 'living.window', state: 'open', ttl: 'soon' } });
    await h.until(() => h.messages('errors').length === 2, 'two errors caught');
    const errors = h.messages('errors').map((m) => (m.error as { message: string }).message);
    assert.match(errors[0], /^MessageError: msg\.payload\.state: the state to claim is required/);
    assert.match(errors[1], /^MessageError: msg\.payload\.ttl: "soon" is not a duration/);
    assert.equal(h.messages('outcomes').length, 0);
  });

  it('shows the quarantine after repeated unauthorized commands, until the operator releases it', async () => {
    await h.load([supervisor({ actuators: ACTUATORS }), system('vent', 'comfort', { targets: 'kind:window' }), operator('release', { system: 'vent' }), ...helpers('outcomes')]);
    for (let i = 1; i <= 5; i++) await h.send('sys-vent', { payload: { target: 'front.lock', state: 'unlocked' } }, 'outcomes', i);
    await h.statusMatching('sys-vent', (s) => s.text === 'quarantined' && s.fill === 'red', 'quarantined badge');
    await h.send('sys-vent', { payload: { target: 'living.window', state: 'open' } }, 'outcomes', 6);
    assert.deepEqual(outcome(), { outcome: 'denied', reason: 'quarantined', system: 'vent', target: 'living.window', state: 'open' });

    h.node('operator').receive({});
    await h.statusMatching('sys-vent', (s) => s.text === 'ready', 'ready again after the release');
    await h.send('sys-vent', { payload: { target: 'living.window', state: 'open' } }, 'outcomes', 7);
    assert.equal(outcome().outcome, 'accepted');
  });
});
