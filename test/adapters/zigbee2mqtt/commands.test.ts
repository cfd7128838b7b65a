import { strict as assert } from 'node:assert';
import { DeviceError } from '../../../adapters/device-adapter';
import { waitFor } from '../support/wait-for';
import { Z2mHome } from './support/z2m-home';

describe('zigbee2mqtt adapter: commands and state echoes', () => {
  let home: Z2mHome;

  beforeEach(async () => {
    home = await Z2mHome.start();
  });

  afterEach(async () => {
    await home.stop();
  });

  it('unlocks and locks the door with {"state":"UNLOCK"|"LOCK"} and resolves on the lock_state echo', async () => {
    await home.adapter.apply('front.lock', 'unlocked');
    assert.deepEqual(home.emulator.state('front door'), { state: 'UNLOCK', lock_state: 'unlocked' });
    await home.adapter.apply('front.lock', 'locked');
    assert.deepEqual(home.emulator.state('front door'), { state: 'LOCK', lock_state: 'locked' });
    assert.deepEqual(home.emulator.received, [
      { name: 'front door', payload: { state: 'UNLOCK' } },
      { name: 'front door', payload: { state: 'LOCK' } },
    ]);
  });

  it('does not report the lock passing "not_fully_locked" on its way', async () => {
    await home.adapter.apply('front.lock', 'unlocked');
    await home.adapter.apply('front.lock', 'locked');
    assert.deepEqual(
      home.reportLog.filter((r) => r.actuatorId === 'front.lock').map((r) => r.state),
      ['unlocked', 'locked'],
    );
  });

  it('opens and closes a window whose friendly name contains a slash', async () => {
    await home.adapter.apply('living.window', 'open');
    assert.deepEqual(home.emulator.state('living/window'), { state: 'OPEN', position: 100 });
    await home.adapter.apply('living.window', 'closed');
    assert.deepEqual(home.emulator.state('living/window'), { state: 'CLOSE', position: 0 });
    assert.deepEqual(home.emulator.received.map((r) => r.payload), [{ state: 'OPEN' }, { state: 'CLOSE' }]);
  });

  it('moves a numeric blind with {"position":40}, resolving at 40 and reporting the positions it passed', async () => {
    await home.adapter.apply('living.blind', 40);
    assert.deepEqual(home.emulator.received, [{ name: 'living blind', payload: { position: 40 } }]);
    assert.equal(home.emulator.state('living blind').position, 40);
    // 70 % on its way did not resolve the apply; the engine takes it as progress (end-to-end test).
    assert.deepEqual(home.reportLog.filter((r) => r.actuatorId === 'living.blind').map((r) => r.state), [70, 40]);
  });

  it('switches a light on and off', async () => {
    await home.adapter.apply('hall.light', 'on');
    assert.equal(home.emulator.state('hall light').state, 'ON');
    await home.adapter.apply('hall.light', 'off');
    assert.equal(home.emulator.state('hall light').state, 'OFF');
  });

  it('reports every state echo, its own commands included', async () => {
    await home.adapter.apply('hall.light', 'on');
    assert.deepEqual(home.reportLog, [{ actuatorId: 'hall.light', state: 'on' }]);
  });

  it('reports a change made at the device as a report of the new state', async () => {
    const seen = waitFor(home.reports, (r) => r.actuatorId === 'front.lock', 'a report of front.lock');
    await home.emulator.press('front door', { state: 'UNLOCK', lock_state: 'unlocked' });
    assert.deepEqual(await seen, { actuatorId: 'front.lock', state: 'unlocked' });
  });

  it('reads a cover state change at the wall button as a report', async () => {
    const seen = waitFor(home.reports, (r) => r.actuatorId === 'living.window', 'a report of living.window');
    await home.emulator.press('living/window', { state: 'OPEN', position: 100 });
    assert.deepEqual(await seen, { actuatorId: 'living.window', state: 'open' });
  });

  it('rejects with TIMEOUT when the device takes the command but sends no echo', async () => {
    await home.adapter.stop();
    await home.startAdapter({ timeout: '300ms' });
    home.emulator.silence('hall light');
    await assert.rejects(home.adapter.apply('hall.light', 'on'), (err: unknown) => err instanceof DeviceError && err.code === 'TIMEOUT' && err.actuatorId === 'hall.light' && /hall light/.test(err.message));
    assert.deepEqual(home.emulator.received, [{ name: 'hall light', payload: { state: 'ON' } }]);
  });

  it('rejects an actuator it does not drive with UNKNOWN_DEVICE and a state it cannot send with UNSUPPORTED', async () => {
    await assert.rejects(home.adapter.apply('garage.door', 'open'), (err: unknown) => err instanceof DeviceError && err.code === 'UNKNOWN_DEVICE');
    await assert.rejects(home.adapter.apply('living.window', 40), (err: unknown) => err instanceof DeviceError && err.code === 'UNSUPPORTED' && /living\/window/.test(err.message));
    assert.deepEqual(home.emulator.received, []);
  });

  it('rejects with OFFLINE after stop, and stops twice without complaint', async () => {
    await home.adapter.stop();
    await home.adapter.stop();
    await assert.rejects(home.adapter.apply('hall.light', 'on'), (err: unknown) => err instanceof DeviceError && err.code === 'OFFLINE');
  });
});
