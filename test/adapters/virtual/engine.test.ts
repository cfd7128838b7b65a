import { strict as assert } from 'node:assert';
import { DeviceRouter } from '../../../adapters/device-router';
import { VirtualAdapter } from '../../../adapters/virtual';
import { Arbiter } from '../../../engine/arbiter';
import { VirtualClock } from '../../../engine/clock';
import { buildCoreConfig, deviceBindings, type RawArbiterConfig } from '../../../engine/config/arbiter-config';
import type { ArbiterEvent } from '../../../engine/core/events';

const HOME = {
  actuators: [
    { id: 'living.window', kind: 'window', initial: 'closed', safe: 'closed', device: { adapter: 'virtual', address: 'living window', options: { initial: 'closed' } } },
    { id: 'front.lock', kind: 'lock', initial: 'locked', safe: 'locked', device: { adapter: 'virtual', address: 'front door', options: { initial: 'locked' } } },
  ],
  systems: [
    { id: 'comfort-vent', category: 'comfort', targets: ['kind:window'] },
    { id: 'security', category: 'property' },
  ],
} as RawArbiterConfig;

describe('virtual adapter: with the engine in virtual time', () => {
  let clock: VirtualClock;
  let adapter: VirtualAdapter;
  let router: DeviceRouter;
  let arbiter: Arbiter;
  let events: ArbiterEvent[];

  beforeEach(async () => {
    clock = new VirtualClock(0);
    adapter = new VirtualAdapter({ clock, latency: '100ms', timeout: '3s' });
    router = new DeviceRouter([adapter], deviceBindings(HOME));
    arbiter = new Arbiter({ config: buildCoreConfig(HOME), clock, devices: router });
    events = [];
    arbiter.events$.subscribe((e) => events.push(e));
    await router.start(arbiter); // adapters first, so that the arbiter's start-up dispatches reach them
    await arbiter.start();
  });

  afterEach(async () => {
    await router.stop();
    await arbiter.stop();
  });

  const advance = (ms: number) => clock.advanceTo(clock.now() + ms, () => arbiter.settled());
  const ofType = <T extends ArbiterEvent['type']>(type: T) => events.filter((e) => e.type === type) as Extract<ArbiterEvent, { type: T }>[];

  it('confirms a dispatch once the device carried it out, after its latency', async () => {
    await arbiter.command({ system: 'comfort-vent', target: 'living.window', state: 'open' });
    assert.deepEqual([arbiter.view('living.window')?.desired, arbiter.view('living.window')?.state], ['open', 'closed']);
    await advance(100);
    assert.equal(arbiter.view('living.window')?.state, 'open');
    assert.equal(adapter.state('living.window'), 'open');
  });

  it('degrades an actuator whose device refuses, and restores and re-dispatches when it is healed', async () => {
    adapter.inject('living.window', 'refuse');
    await arbiter.command({ system: 'comfort-vent', target: 'living.window', state: 'open' });
    await advance(100);
    const degraded = ofType('degraded');
    assert.deepEqual(degraded.map((e) => e.target), ['living.window']);
    assert.match(degraded[0].reason ?? '', /refused/);
    assert.equal(arbiter.view('living.window')?.available, false);
    assert.equal(adapter.state('living.window'), 'closed');

    adapter.heal('living.window');
    assert.deepEqual(ofType('restored').map((e) => e.target), ['living.window']);
    await advance(100);
    assert.equal(arbiter.view('living.window')?.state, 'open');
    assert.equal(adapter.state('living.window'), 'open');
    assert.deepEqual(ofType('dispatched').map((e) => e.state), ['open', 'open']);
  });

  it('degrades an actuator whose device does not answer, after the time-out', async () => {
    adapter.inject('front.lock', 'timeout');
    await arbiter.command({ system: 'security', target: 'front.lock', state: 'unlocked' });
    await advance(2999);
    assert.deepEqual(ofType('degraded'), []);
    await advance(1);
    assert.deepEqual(ofType('degraded').map((e) => e.target), ['front.lock']);
  });

  it('degrades an unreachable device at once and dispatches nothing to it until it comes back', async () => {
    adapter.inject('front.lock', 'unreachable');
    assert.equal(arbiter.view('front.lock')?.available, false);
    await arbiter.command({ system: 'security', target: 'front.lock', state: 'unlocked' });
    assert.deepEqual(ofType('dispatched'), []);
    adapter.heal('front.lock');
    assert.deepEqual(ofType('dispatched').map((e) => [e.target, e.state]), [['front.lock', 'unlocked']]);
    await advance(100);
    assert.equal(adapter.state('front.lock'), 'unlocked');
  });

  it('turns a press at the device into a manual claim', async () => {
    adapter.press('living.window', 'open');
    assert.deepEqual(ofType('manual').map(({ target, state }) => ({ target, state })), [{ target: 'living.window', state: 'open' }]);
    const claim = arbiter.tables.claim('manual', 'living.window');
    assert.equal(claim?.manual, true);
    assert.equal(claim?.category, 'comfort');
    assert.equal(arbiter.view('living.window')?.owner, 'manual');
    assert.deepEqual(ofType('dispatched'), [], 'the device is already where the hand put it');
  });

  it('a press that loses to a higher claim is dispatched back (SPEC.md §5)', async () => {
    await arbiter.command({ system: 'security', target: 'living.window', state: 'closed' });
    adapter.press('living.window', 'open');
    const conflict = ofType('conflict')[0];
    assert.deepEqual([conflict?.winner, conflict?.loser], ['security', 'manual']);
    await advance(100);
    assert.equal(adapter.state('living.window'), 'closed');
    assert.equal(arbiter.view('living.window')?.state, 'closed');
  });
});
