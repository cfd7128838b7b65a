import { strict as assert } from 'node:assert';
import { skip } from 'rxjs';
import { ConfigError } from '../../../engine/config/config-error';
import { DeviceError } from '../../../adapters/device-adapter';
import { Zigbee2MqttAdapter } from '../../../adapters/zigbee2mqtt';
import { waitFor } from '../support/wait-for';
import { Z2mHome } from './support/z2m-home';

describe('zigbee2mqtt adapter: malformed payloads and unknown devices', () => {
  let home: Z2mHome;

  beforeEach(async () => {
    home = await Z2mHome.start();
  });

  afterEach(async () => {
    await home.stop();
  });

  /** Publishes raw, waits for the resulting problem and checks the adapter still carries out a command after it. */
  async function problemFrom(suffix: string, payload: string) {
    const before = home.problemLog.length;
    const problem = waitFor(home.problems.pipe(skip(before)), () => true, `a problem from ${suffix}`);
    await home.emulator.publishRaw(suffix, payload);
    const found = await problem;
    await home.adapter.apply('hall.light', home.emulator.state('hall light').state === 'ON' ? 'off' : 'on');
    return found;
  }

  it('turns a state message that is not JSON into a problem naming the device, and keeps working', async () => {
    const p = await problemFrom('front door', '{"state": LOCK');
    assert.equal(p.adapter, 'zigbee2mqtt');
    assert.equal(p.device, 'front door');
    assert.match(p.message, /front\.lock: not JSON/);
  });

  it('turns a JSON state that is not an object into a problem', async () => {
    const p = await problemFrom('living/window', '[1,2]');
    assert.equal(p.device, 'living/window');
    assert.match(p.message, /expected a JSON object/);
  });

  it('names the field of a state of the wrong type', async () => {
    const p = await problemFrom('front door', JSON.stringify({ lock_state: 3 }));
    assert.deepEqual([p.device, p.field], ['front door', 'lock_state']);
    assert.match(p.message, /expected one of locked, unlocked, not_fully_locked, got 3/);
  });

  it('names the field of a position that is not a number', async () => {
    const p = await problemFrom('living blind', JSON.stringify({ position: 'forty', state: 'OPEN' }));
    assert.deepEqual([p.device, p.field], ['living blind', 'position']);
  });

  it('names the field of a switch state it does not know', async () => {
    const p = await problemFrom('hall light', JSON.stringify({ state: 'DIM' }));
    assert.deepEqual([p.device, p.field], ['hall light', 'state']);
    assert.deepEqual(home.reportLog.filter((r) => r.actuatorId === 'hall.light' && r.state === 'DIM'), []);
  });

  it('turns a malformed availability or bridge state into a problem and changes no availability', async () => {
    const device = await problemFrom('front door/availability', 'maybe');
    assert.deepEqual([device.device, device.field], ['front door', 'availability']);
    const bridge = await problemFrom('bridge/state', JSON.stringify({ state: 'sleeping' }));
    assert.deepEqual([bridge.device, bridge.field], ['bridge', 'state']);
    const changes: unknown[] = [];
    home.availability.subscribe((a) => changes.push(a)).unsubscribe();
    // Only the start-up answers (each device available) and nothing made unavailable.
    assert.deepEqual(changes.filter((c) => !(c as { available: boolean }).available), []);
  });

  it('ignores a state message without a state property (battery, link quality) without a problem', async () => {
    await home.emulator.publishRaw('front door', JSON.stringify({ battery: 80, linkquality: 90 }));
    await home.adapter.apply('hall.light', 'on');
    assert.deepEqual(home.problemLog, []);
    assert.deepEqual(home.reportLog, [{ actuatorId: 'hall.light', state: 'on' }]);
  });

  it('reports a device no actuator is bound to once, by its friendly name', async () => {
    const p = await problemFrom('garage door', JSON.stringify({ state: 'OPEN' }));
    assert.equal(p.device, 'garage door');
    assert.match(p.message, /not bound to any actuator/);
    await home.emulator.publishRaw('garage door', JSON.stringify({ state: 'CLOSE' }));
    await home.adapter.apply('hall.light', 'off');
    assert.equal(home.problemLog.filter((x) => x.device === 'garage door').length, 1);
  });

  it('rejects adapter options naming the field', () => {
    assert.throws(
      () => new Zigbee2MqttAdapter({ url: 'mqtt://127.0.0.1:1', timeout: 'soon' }),
      (err: unknown) => err instanceof ConfigError && /options\.timeout/.test(err.message),
    );
    assert.throws(
      () => new Zigbee2MqttAdapter({ url: 'mqtt://127.0.0.1:1', version: 3 as 4 }),
      (err: unknown) => err instanceof ConfigError && /options\.version/.test(err.message),
    );
  });

  it('refuses to start with a binding it cannot map, naming actuator, device and field', async () => {
    const adapter = new Zigbee2MqttAdapter({ url: home.broker.url });
    await assert.rejects(
      adapter.start([{ actuatorId: 'attic.fan', kind: 'fan', adapter: 'zigbee2mqtt', address: 'attic fan', options: { values: { low: 1 } } }]),
      (err: unknown) => err instanceof DeviceError && err.actuatorId === 'attic.fan' && /attic fan/.test(err.message) && /options\.values\.low/.test(err.message),
    );
    await adapter.stop();
  });
});
