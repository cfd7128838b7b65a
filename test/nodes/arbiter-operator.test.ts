import assert from 'node:assert/strict';
import { NodeRedHarness } from './support/node-red-harness';
import { catchAll, helpers, operator, supervisor, system } from './support/flows';

const ACTUATORS = [{ id: 'living.window', kind: 'window', initial: 'closed' }];

describe('arbiter-operator', function () {
  const h = new NodeRedHarness();
  before(() => h.startServer());
  after(() => h.stopServer());
  beforeEach(() => h.newUserDir());
  afterEach(() => h.unload());

  const outcome = () => h.messages('outcomes').at(-1)?.payload as Record<string, unknown>;

  it('stops and resumes, and its badge follows the stop flag', async () => {
    await h.load([supervisor({ actuators: ACTUATORS }), system('vent', 'comfort'), operator('stop'), ...helpers('outcomes')]);
    await h.statusMatching('operator', (s) => s.text === 'running', 'running badge');
    h.node('operator').receive({});
    await h.statusMatching('operator', (s) => s.text === 'emergency stop' && s.fill === 'red', 'stop badge');
    await h.send('sys-vent', { payload: { target: 'living.window', state: 'open' } }, 'outcomes');
    assert.deepEqual(outcome(), { outcome: 'denied', reason: 'stopped', system: 'vent', target: 'living.window', state: 'open' });

    h.node('operator').receive({ topic: 'resume' });
    await h.until(() => h.status('operator')?.text === 'running', 'running after resume');
    await h.send('sys-vent', { payload: { target: 'living.window', state: 'open' } }, 'outcomes', 2);
    assert.equal(outcome().outcome, 'accepted');
  });

  it('locks and unlocks a target given in the message', async () => {
    await h.load([supervisor({ actuators: ACTUATORS }), system('vent', 'comfort'), operator(''), ...helpers('outcomes')]);
    h.node('operator').receive({ payload: { action: 'lock', target: 'living.window' } });
    await h.statusMatching('operator', (s) => s.text === 'lock living.window', 'lock badge');
    await h.send('sys-vent', { payload: { target: 'living.window', state: 'open' } }, 'outcomes');
    assert.equal(outcome().reason, 'locked');
    h.node('operator').receive({ payload: { action: 'unlock', target: 'living.window' } });
    await h.statusMatching('operator', (s) => s.text === 'unlock living.window', 'unlock badge');
    await h.send('sys-vent', { payload: { target: 'living.window', state: 'open' } }, 'outcomes', 2);
    assert.equal(outcome().outcome, 'accepted');
  });

  it('hands an unknown action and a lock without subject to Catch nodes', async () => {
    await h.load([supervisor({ actuators: ACTUATORS }), operator(''), ...catchAll()]);
    h.node('operator').receive({ topic: 'panic' });
    h.node('operator').receive({ payload: { action: 'lock' } });
    await h.until(() => h.messages('errors').length === 2, 'two errors caught');
    const errors = h.messages('errors').map((m) => (m.error as { message: string }).message);
    assert.ok(errors.some((e) => /^MessageError: msg\.topic: "panic" is not an operator action/.test(e)), errors.join('; '));
    assert.ok(errors.some((e) => /^MessageError: msg\.payload\.target: lock needs a target or a system/.test(e)), errors.join('; '));
  });
});
