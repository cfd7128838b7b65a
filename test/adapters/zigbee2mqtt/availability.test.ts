import { strict as assert } from 'node:assert';
import { DeviceError } from '../../../adapters/device-adapter';
import { Zigbee2MqttAdapter } from '../../../adapters/zigbee2mqtt';
import { waitFor } from '../support/wait-for';
import { BINDINGS, Z2mHome } from './support/z2m-home';

const isOffline = (err: unknown) => err instanceof DeviceError && err.code === 'OFFLINE';

describe('zigbee2mqtt adapter: bridge and device availability', () => {
  let home: Z2mHome;

  afterEach(async () => {
    await home.stop();
  });

  it('marks every bound actuator unavailable when the bridge goes offline, and rejects apply with OFFLINE', async () => {
    home = await Z2mHome.start();
    const allDown = waitFor(home.availability, (a) => a.actuatorId === BINDINGS[BINDINGS.length - 1].actuatorId && !a.available, 'the last actuator unavailable');
    await home.emulator.goOffline();
    await allDown;
    const changes: { actuatorId: string; available: boolean; reason?: string }[] = [];
    home.availability.subscribe((a) => changes.push(a)).unsubscribe();
    assert.deepEqual(changes.map((c) => [c.actuatorId, c.available]), BINDINGS.map((b) => [b.actuatorId, false]));
    assert.match(changes[0].reason ?? '', /bridge offline/);
    await assert.rejects(home.adapter.apply('front.lock', 'unlocked'), isOffline);
    assert.deepEqual(home.emulator.received, [], 'nothing is published to an offline bridge');
  });

  it('makes them available again when the bridge comes back, and commands work again', async () => {
    home = await Z2mHome.start();
    await home.emulator.goOffline();
    const back = waitFor(home.availability, (a) => a.actuatorId === 'front.lock' && a.available, 'front.lock available again');
    await home.emulator.goOnline();
    await back;
    await home.adapter.apply('front.lock', 'unlocked');
    assert.equal(home.emulator.state('front door').lock_state, 'unlocked');
  });

  it('fails a dispatch still waiting for its echo with OFFLINE when the bridge goes offline', async () => {
    home = await Z2mHome.start();
    home.emulator.silence('hall light');
    const pending = home.adapter.apply('hall.light', 'on');
    pending.catch(() => undefined); // asserted below; keeps the rejection from being reported as unhandled meanwhile
    await waitFor(home.emulator.commands$, (c) => c.name === 'hall light', 'the emulator to take the command');
    await home.emulator.goOffline();
    await assert.rejects(pending, isOffline);
  });

  it('sees a bridge that was already offline (retained bridge/state) when it starts', async () => {
    home = new Z2mHome();
    await home.startBrokerAndBridge();
    await home.emulator.goOffline();
    await home.startAdapter({}, undefined, false);
    await waitFor(home.availability, (a) => a.actuatorId === 'hall.light' && !a.available, 'hall.light unavailable');
    await assert.rejects(home.adapter.apply('hall.light', 'on'), isOffline);
  });

  it('marks only the device whose availability topic says offline', async () => {
    home = await Z2mHome.start();
    const down = waitFor(home.availability, (a) => !a.available, 'an actuator unavailable');
    await home.emulator.setAvailability('front door', false);
    const change = await down;
    assert.equal(change.actuatorId, 'front.lock');
    assert.match(change.reason ?? '', /front door\/availability/);
    await assert.rejects(home.adapter.apply('front.lock', 'unlocked'), isOffline);
    await home.adapter.apply('hall.light', 'on');
    const up = waitFor(home.availability, (a) => a.actuatorId === 'front.lock' && a.available, 'front.lock available');
    await home.emulator.setAvailability('front door', true);
    await up;
    await home.adapter.apply('front.lock', 'unlocked');
  });

  it('holds a device that timed out unavailable until it is heard from again', async () => {
    home = await Z2mHome.start({ timeout: '300ms' });
    home.emulator.silence('hall light');
    const down = waitFor(home.availability, (a) => a.actuatorId === 'hall.light' && !a.available, 'hall.light unavailable');
    await assert.rejects(home.adapter.apply('hall.light', 'on'), (err: unknown) => err instanceof DeviceError && err.code === 'TIMEOUT');
    assert.match((await down).reason ?? '', /no state echo/);
    home.emulator.silence('hall light', false);
    const up = waitFor(home.availability, (a) => a.actuatorId === 'hall.light' && a.available, 'hall.light available');
    await home.emulator.press('hall light', { state: 'ON' });
    await up;
    assert.deepEqual(home.reportLog, [{ actuatorId: 'hall.light', state: 'on' }]);
  });

  it('goes unavailable when the broker goes away and reconnects when it comes back, with one problem for the outage, and carries out commands again', async () => {
    home = await Z2mHome.start();
    const down = waitFor(home.availability, (a) => a.actuatorId === 'hall.light' && !a.available, 'hall.light unavailable');
    await home.emulator.stop();
    await home.broker.stop();
    assert.match((await down).reason ?? '', /connection to the MQTT broker/);
    await assert.rejects(home.adapter.apply('front.lock', 'unlocked'), isOffline);
    const refused = waitFor(home.problems, (p) => p.device === undefined, 'a problem about the connection');
    assert.match((await refused).message, new RegExp(home.broker.url));
    await new Promise((resolve) => setTimeout(resolve, 2200)); // two more reconnect attempts, each refused
    assert.equal(home.problemLog.filter((p) => p.device === undefined).length, 1);

    await home.broker.start(home.broker.port);
    await home.startEmulator();
    await waitFor(home.availability, (a) => a.actuatorId === 'hall.light' && a.available, 'hall.light available after reconnecting');
    await home.adapter.apply('hall.light', 'on');
    assert.equal(home.emulator.state('hall light').state, 'ON');
  });

  it('fails to start, naming the URL, when no broker listens', async () => {
    home = new Z2mHome();
    await home.broker.start();
    const url = home.broker.url;
    await home.broker.stop();
    const adapter = new Zigbee2MqttAdapter({ url });
    await assert.rejects(adapter.start(BINDINGS), (err: unknown) => err instanceof Error && err.message.includes(url));
    await adapter.stop();
  });
});
