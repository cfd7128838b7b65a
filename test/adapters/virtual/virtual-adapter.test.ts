import { strict as assert } from 'node:assert';
import type { SinonFakeTimers } from 'sinon';
import { DeviceError, type ActuatorBinding, type AvailabilityChange, type DeviceReport } from '../../../adapters/device-adapter';
import { VirtualAdapter } from '../../../adapters/virtual';
import { VirtualClock } from '../../../engine/clock';
import { ConfigError } from '../../../engine/config/config-error';
import { sandbox } from '../../support/setup';

const BINDINGS: readonly ActuatorBinding[] = [
  { actuatorId: 'living.window', kind: 'window', adapter: 'virtual', address: 'living window', options: { initial: 'closed' } },
  { actuatorId: 'front.lock', kind: 'lock', adapter: 'virtual', address: 'front door', options: { initial: 'locked', latency: '1s' } },
];

const failsWith = (code: string) => (err: unknown) => err instanceof DeviceError && err.code === code;

/** Whether a promise has settled yet, without waiting for it. */
function tracked<T>(promise: Promise<T>) {
  const t = { settled: false, promise };
  promise.then(() => (t.settled = true), () => (t.settled = true));
  return t;
}

describe('virtual adapter', () => {
  let adapter: VirtualAdapter;

  afterEach(async () => {
    await adapter.stop();
  });

  describe('under sinon fake timers (real clock)', () => {
    let timers: SinonFakeTimers;

    beforeEach(async () => {
      timers = sandbox.useFakeTimers();
      adapter = new VirtualAdapter({ latency: '200ms' });
      await adapter.start(BINDINGS);
    });

    it('carries out a command after its latency, not before', async () => {
      const applied = tracked(adapter.apply('living.window', 'open'));
      await timers.tickAsync(199);
      assert.equal(applied.settled, false);
      assert.equal(adapter.state('living.window'), 'closed');
      await timers.tickAsync(1);
      await applied.promise;
      assert.equal(adapter.state('living.window'), 'open');
    });

    it('takes a device latency from its binding over the adapter one', async () => {
      const applied = tracked(adapter.apply('front.lock', 'unlocked'));
      await timers.tickAsync(999);
      assert.equal(applied.settled, false);
      await timers.tickAsync(1);
      await applied.promise;
      assert.equal(adapter.state('front.lock'), 'unlocked');
    });

    it('rejects with TIMEOUT after the timeout when the device is made to time out', async () => {
      adapter.inject('living.window', 'timeout');
      const applied = tracked(adapter.apply('living.window', 'open'));
      applied.promise.catch(() => undefined);
      await timers.tickAsync(4999);
      assert.equal(applied.settled, false);
      await timers.tickAsync(1);
      await assert.rejects(applied.promise, failsWith('TIMEOUT'));
      assert.equal(adapter.state('living.window'), 'closed');
    });
  });

  describe('in virtual time', () => {
    let clock: VirtualClock;

    beforeEach(async () => {
      clock = new VirtualClock(1_000_000);
      adapter = new VirtualAdapter({ clock, latency: 50 });
      await adapter.start(BINDINGS);
    });

    it('moves only when the clock is advanced', async () => {
      const applied = tracked(adapter.apply('living.window', 'open'));
      await clock.advanceTo(clock.now() + 49);
      assert.equal(applied.settled, false);
      await clock.advanceTo(clock.now() + 1);
      await applied.promise;
      assert.equal(adapter.state('living.window'), 'open');
    });

    it('refuses with REFUSED when told to, and leaves the device as it was', async () => {
      adapter.inject('living.window', 'refuse');
      const applied = adapter.apply('living.window', 'open');
      applied.catch(() => undefined);
      await clock.advanceTo(clock.now() + 50);
      await assert.rejects(applied, failsWith('REFUSED'));
      assert.equal(adapter.state('living.window'), 'closed');
    });

    it('goes unreachable: availability false, what was under way fails OFFLINE, and heals back', async () => {
      const changes: AvailabilityChange[] = [];
      adapter.availability$.subscribe((a) => changes.push(a));
      const underWay = adapter.apply('living.window', 'open');
      underWay.catch(() => undefined);
      adapter.inject('living.window', 'unreachable');
      await assert.rejects(underWay, failsWith('OFFLINE'));
      await assert.rejects(adapter.apply('living.window', 'open'), failsWith('OFFLINE'));
      adapter.heal('living.window');
      assert.deepEqual(changes.map((c) => [c.actuatorId, c.available]), [['living.window', false], ['living.window', true]]);
      const again = adapter.apply('living.window', 'open');
      await clock.advanceTo(clock.now() + 50);
      await again;
      assert.equal(adapter.state('living.window'), 'open');
    });

    it('reports a press at the device, and hears nothing from an unreachable one', () => {
      const reports: DeviceReport[] = [];
      adapter.reports$.subscribe((r) => reports.push(r));
      adapter.press('front.lock', 'unlocked');
      adapter.inject('living.window', 'unreachable');
      adapter.press('living.window', 'open');
      assert.deepEqual(reports, [{ actuatorId: 'front.lock', state: 'unlocked' }]);
      assert.equal(adapter.state('living.window'), 'open');
    });

    it('rejects an actuator it does not drive with UNKNOWN_DEVICE, and everything after stop with OFFLINE', async () => {
      await assert.rejects(adapter.apply('garage.door', 'open'), failsWith('UNKNOWN_DEVICE'));
      assert.throws(() => adapter.press('garage.door', 'open'), /garage\.door/);
      const underWay = adapter.apply('living.window', 'open');
      underWay.catch(() => undefined);
      await adapter.stop();
      await adapter.stop();
      await assert.rejects(underWay, failsWith('OFFLINE'));
      await assert.rejects(adapter.apply('living.window', 'open'), failsWith('OFFLINE'));
    });
  });

  describe('with real timers', () => {
    it('carries out a command after a short real latency', async () => {
      adapter = new VirtualAdapter({ latency: '20ms' });
      await adapter.start(BINDINGS);
      await adapter.apply('living.window', 'open');
      assert.equal(adapter.state('living.window'), 'open');
    });
  });

  describe('configuration', () => {
    it('names the bad option', () => {
      adapter = new VirtualAdapter();
      assert.throws(() => new VirtualAdapter({ latency: 'slow' }), (err: unknown) => err instanceof ConfigError && /options\.latency/.test(err.message));
    });

    it('names the actuator, the device and the field of a bad binding option', async () => {
      adapter = new VirtualAdapter();
      await assert.rejects(
        adapter.start([{ actuatorId: 'living.window', kind: 'window', adapter: 'virtual', address: 'living window', options: { initial: true } }]),
        (err: unknown) => err instanceof DeviceError && err.actuatorId === 'living.window' && /living window/.test(err.message) && /options\.initial/.test(err.message),
      );
    });
  });
});
