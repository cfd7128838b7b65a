import assert from 'node:assert/strict';
import { NodeRedHarness } from './support/node-red-harness';
import { actuator, context, events, helpers, supervisor, system } from './support/flows';

/**
 * Three of the contract scenarios (SPEC.md §10; copies of scenarios 01, 02 and 06 in the shared folder) replayed end
 * to end through the nodes: commands into arbiter-system nodes, facts into arbiter-context, reports into
 * arbiter-actuator; dispatches and events read from their outputs. Real time instead of virtual: scenario 06's
 * one-hour manual lease is 3 s here.
 */
describe('the contract scenarios through the Node-RED nodes', function () {
  const h = new NodeRedHarness();
  before(() => h.startServer());
  after(() => h.stopServer());
  beforeEach(() => h.newUserDir());
  afterEach(() => h.unload());

  const dispatched = () => h.messages('dispatches').map((m) => `${String(m.topic)}=${String(m.payload)} by ${String(m.by)}`);
  const conflicts = () => h.messages('seen').filter((m) => m.topic === 'conflict').map((m) => m.payload as Record<string, unknown>);

  it('01: security closes the window over comfort ventilation, which comes back when security releases', async () => {
    await h.load([
      supervisor({ actuators: [{ id: 'living.window', kind: 'window', initial: 'closed', safe: 'closed' }] }),
      system('comfort-vent', 'comfort', { targets: 'kind:window' }),
      system('security', 'property'),
      actuator('living.window', 'window'),
      events(['conflict']),
      ...helpers('outcomes', 'dispatches', 'seen'),
    ]);
    await h.send('sys-comfort-vent', { payload: { target: 'living.window', state: 'open' } }, 'dispatches');
    assert.deepEqual(dispatched(), ['living.window=open by comfort-vent']);
    assert.equal(conflicts().length, 0);
    assert.equal((await h.statusMatching('window', (s) => s.text === 'comfort-vent: open', 'owner comfort-vent')).fill, 'green');

    await h.send('sys-security', { topic: 'living.window', payload: 'closed' }, 'dispatches');
    await h.until(() => conflicts().length === 1, 'the conflict');
    assert.deepEqual(dispatched().at(-1), 'living.window=closed by security');
    assert.deepEqual(
      { ...conflicts()[0], at: undefined },
      { type: 'conflict', target: 'living.window', winner: 'security', loser: 'comfort-vent', winnerState: 'closed', loserState: 'open', resolution: 'priority', at: undefined },
    );

    const outcome = await h.ask('sys-comfort-vent', { payload: { target: 'living.window', state: 'open' } }, 'outcomes');
    assert.deepEqual(outcome.payload, { outcome: 'deferred', winner: 'security', reason: 'its category comfort is below property', system: 'comfort-vent', target: 'living.window', state: 'open' });
    await h.until(() => conflicts().length === 2, 'the second conflict');
    assert.equal(h.messages('dispatches').length, 2, 'nothing dispatched while security holds the window');
    await h.statusMatching('sys-comfort-vent', (s) => s.text === 'deferred to security on living.window', 'deferred badge');

    await h.send('sys-security', { topic: 'living.window', release: true }, 'dispatches', 3);
    assert.deepEqual(dispatched().at(-1), 'living.window=open by comfort-vent');
    await h.statusMatching('window', (s) => s.text === 'comfort-vent: open', 'owner back to comfort-vent');
  });

  it('02: a smoke fact unlocks the front door at life priority against security, and security takes it back after', async () => {
    await h.load([
      supervisor({
        actuators: [
          { id: 'front.lock', kind: 'lock', initial: 'unlocked', safe: 'locked' },
          { id: 'living.shutter', kind: 'shutter', initial: 'open', zone: 'living' },
        ],
        facts: [{ name: 'smoke', initial: false }],
        policies: [
          {
            name: 'fire-evacuation',
            conditions: { all: [{ fact: 'smoke', operator: 'equal', value: true }] },
            event: { type: 'assert', params: { target: 'front.lock', state: 'unlocked', category: 'life' } },
          },
        ],
      }),
      system('security', 'property'),
      actuator('*', 'all'),
      context(),
      events(['conflict']),
      ...helpers('outcomes', 'dispatches', 'seen'),
    ]);
    await h.send('sys-security', { payload: { target: 'front.lock', state: 'locked' } }, 'dispatches');
    await h.send('sys-security', { payload: { target: 'living.shutter', state: 'closed' } }, 'dispatches', 2);
    assert.deepEqual(dispatched(), ['front.lock=locked by security', 'living.shutter=closed by security']);

    await h.send('context', { topic: 'smoke', payload: true }, 'dispatches', 3);
    assert.equal(dispatched()[2], 'front.lock=unlocked by policy:fire-evacuation');
    await h.until(() => conflicts().length === 1, 'the conflict');
    assert.equal(conflicts()[0].winner, 'policy:fire-evacuation');
    assert.equal(conflicts()[0].loser, 'security');

    const outcome = await h.ask('sys-security', { payload: { target: 'front.lock', state: 'locked' } }, 'outcomes');
    assert.deepEqual(outcome.payload, { outcome: 'deferred', winner: 'policy:fire-evacuation', reason: 'its category property is below life', system: 'security', target: 'front.lock', state: 'locked' });
    assert.equal(h.messages('dispatches').length, 3, 'the door stays unlocked');

    await h.send('context', { topic: 'smoke', payload: false }, 'dispatches', 4);
    assert.equal(dispatched()[3], 'front.lock=locked by security');
  });

  it('06: a person at the wall switch beats the scene automation until the manual lease ends; the garage door puts itself back', async () => {
    await h.load([
      supervisor({
        actuators: [
          { id: 'living.light', kind: 'light', initial: 'off', manual: { category: 'comfort', ttl: '3s' } },
          { id: 'garage.door', kind: 'shutter', initial: 'closed', manual: false },
        ],
      }),
      system('scene-auto', 'comfort'),
      system('security', 'property'),
      actuator('living.light', 'light'),
      actuator('garage.door', 'garage'),
      events(['manual', 'conflict', 'expired']),
      ...helpers('outcomes', 'dispatches', 'seen'),
    ]);
    await h.send('sys-scene-auto', { payload: { target: 'living.light', state: 'on' } }, 'dispatches');
    h.node('light').receive({ payload: 'off' });
    await h.until(() => conflicts().length === 1, 'the manual conflict');
    const types = h.messages('seen').map((m) => m.topic);
    assert.deepEqual(types.slice(0, 2), ['manual', 'conflict']);
    assert.equal(conflicts()[0].winner, 'manual');
    assert.equal(conflicts()[0].loser, 'scene-auto');
    await h.statusMatching('light', (s) => s.text === 'manual: off', 'manual owner');

    const outcome = await h.ask('sys-scene-auto', { payload: { target: 'living.light', state: 'on' } }, 'outcomes');
    assert.equal((outcome.payload as { outcome: string }).outcome, 'deferred');
    assert.equal(h.messages('dispatches').length, 1);

    await h.until(() => h.messages('seen').some((m) => m.topic === 'expired'), 'the manual claim to expire');
    await h.until(() => h.messages('dispatches').length === 2, 'the light to be dispatched on again');
    assert.equal(dispatched()[1], 'living.light=on by scene-auto');

    await h.ask('sys-security', { payload: { target: 'garage.door', state: 'closed' } }, 'outcomes');
    h.node('garage').receive({ payload: 'open' });
    await h.until(() => h.messages('dispatches').length === 3, 'the garage door to be closed again');
    assert.equal(dispatched()[2], 'garage.door=closed by security');
    assert.equal(h.messages('seen').filter((m) => m.topic === 'manual').length, 1, 'no manual claim on the garage door');
  });
});
