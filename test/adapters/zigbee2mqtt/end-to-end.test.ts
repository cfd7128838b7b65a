import { strict as assert } from 'node:assert';
import { DeviceRouter } from '../../../adapters/device-router';
import { Arbiter, type ActuatorView } from '../../../engine/arbiter';
import { buildCoreConfig, deviceBindings, type RawArbiterConfig } from '../../../engine/config/arbiter-config';
import type { ArbiterEvent } from '../../../engine/core/events';
import { Zigbee2MqttAdapter } from '../../../adapters/zigbee2mqtt';
import { MqttBroker } from '../support/mqtt-broker';
import { stopAll } from '../support/stop-all';
import { waitFor } from '../support/wait-for';
import { BridgeEmulator } from './support/bridge-emulator';
import { uc4Home } from '../support/uc4-home';

/**
 * SPEC.md's UC4 home (scenarios 01 and 02), every actuator behind the bridge emulator, for the engine's side of a
 * hand at the device, an outage and a cover's progress reports (the emulator publishes the positions a cover
 * passes, which the fake coordinator does not). real-bridge.test.ts replays the scenarios through zigbee2mqtt.
 */
const HOME: RawArbiterConfig = uc4Home(
  [
    { id: 'living.window', kind: 'window', initial: 'closed', safe: 'closed', device: { adapter: 'zigbee2mqtt', address: 'living/window' } },
    { id: 'front.lock', kind: 'lock', initial: 'unlocked', safe: 'locked', device: { adapter: 'zigbee2mqtt', address: 'front door' } },
    { id: 'living.shutter', kind: 'shutter', initial: 'open', zone: 'living', device: { adapter: 'zigbee2mqtt', address: 'living shutter' } },
    { id: 'living.blind', kind: 'blind', range: [0, 100], initial: 100, device: { adapter: 'zigbee2mqtt', address: 'living blind', options: { property: 'position' } } },
  ],
  ['kind:window', 'kind:blind'],
);

describe('zigbee2mqtt adapter: end to end with the engine and the bridge emulator (UC4)', () => {
  const broker = new MqttBroker();
  let emulator: BridgeEmulator;
  let router: DeviceRouter;
  let arbiter: Arbiter;
  let events: ArbiterEvent[];

  beforeEach(async () => {
    await broker.start();
    emulator = new BridgeEmulator(broker.url)
      .addDevice('living/window', 'cover', { state: 'CLOSE', position: 0 })
      .addDevice('front door', 'lock', { state: 'UNLOCK', lock_state: 'unlocked' })
      .addDevice('living shutter', 'cover', { state: 'OPEN', position: 100 })
      .addDevice('living blind', 'cover', { state: 'OPEN', position: 100 });
    await emulator.start();
    router = new DeviceRouter([new Zigbee2MqttAdapter({ url: broker.url, timeout: '500ms' })], deviceBindings(HOME));
    arbiter = new Arbiter({ config: buildCoreConfig(HOME), devices: router });
    events = [];
    arbiter.events$.subscribe((e) => events.push(e));
    await router.start(arbiter); // adapters first, so that the arbiter's start-up dispatches reach them
    await arbiter.start();
  });

  afterEach(async () => {
    await stopAll(
      () => router?.stop(),
      () => arbiter?.stop(),
      () => emulator?.stop(),
      () => broker.stop(),
    );
  });

  /** Waits until the engine holds `state` as confirmed for `id` (the bridge echoed it). */
  const confirmed = (id: string, state: string | number) => waitFor(arbiter.actuator$(id), (v: ActuatorView) => v.state === state, `${id} confirmed ${state}`);
  const since = (mark: number, type: ArbiterEvent['type']) => events.slice(mark).filter((e) => e.type === type);

  it('a hand opening the window at the device becomes a manual claim that loses to security and is closed again', async () => {
    await arbiter.command({ system: 'security', target: 'living.window', state: 'closed' });
    const mark = events.length;
    const reclosed = waitFor(emulator.changes$, (c) => c.name === 'living/window' && c.state.state === 'CLOSE', 'the window closed again');
    await emulator.press('living/window', { state: 'OPEN', position: 100 });
    await reclosed;
    await confirmed('living.window', 'closed');
    const manual = since(mark, 'manual');
    assert.deepEqual(manual.map(({ at: _at, ...m }) => m), [{ type: 'manual', target: 'living.window', state: 'open' }]);
    const conflict = since(mark, 'conflict')[0];
    assert.ok(conflict?.type === 'conflict' && conflict.winner === 'security' && conflict.loser === 'manual', `conflict: ${JSON.stringify(conflict)}`);
  });

  it('the bridge going offline degrades the actuators; coming back restores them and dispatches what is owed', async () => {
    await emulator.goOffline();
    await waitFor(arbiter.actuator$('front.lock'), (v) => !v.available, 'front.lock unavailable');
    assert.ok(events.some((e) => e.type === 'degraded' && e.target === 'front.lock'));
    await arbiter.command({ system: 'security', target: 'front.lock', state: 'locked' });
    assert.equal(emulator.state('front door').lock_state, 'unlocked', 'nothing reaches an offline bridge');
    assert.equal(arbiter.view('front.lock')?.desired, 'locked');

    await emulator.goOnline();
    await confirmed('front.lock', 'locked');
    assert.ok(events.some((e) => e.type === 'restored' && e.target === 'front.lock'));
    assert.deepEqual(emulator.state('front door'), { state: 'LOCK', lock_state: 'locked' });
  });

  it('a lock that does not answer degrades; when it speaks again it is restored and the command is carried out', async () => {
    emulator.silence('front door');
    await arbiter.command({ system: 'security', target: 'front.lock', state: 'locked' });
    await waitFor(arbiter.actuator$('front.lock'), (v) => !v.available, 'front.lock degraded after the time-out');
    const degraded = events.find((e) => e.type === 'degraded' && e.target === 'front.lock');
    assert.ok(degraded?.type === 'degraded' && /timed out|no state echo/.test(degraded.reason ?? ''), `degraded: ${JSON.stringify(degraded)}`);

    emulator.silence('front door', false);
    await emulator.press('front door', { state: 'UNLOCK', lock_state: 'unlocked' });
    await confirmed('front.lock', 'locked');
    assert.ok(events.some((e) => e.type === 'restored' && e.target === 'front.lock'));
    assert.deepEqual(emulator.state('front door'), { state: 'LOCK', lock_state: 'locked' });
  });

  it('a blind sent to 40 % passes 70 % on its way without that being taken for a hand on it', async () => {
    await arbiter.command({ system: 'comfort-vent', target: 'living.blind', state: 40 });
    await confirmed('living.blind', 40);
    assert.equal(emulator.state('living blind').position, 40);
    assert.deepEqual(since(0, 'manual'), []);
    assert.equal(arbiter.view('living.blind')?.owner, 'comfort-vent');
  });
});
