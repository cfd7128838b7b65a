import { strict as assert } from 'node:assert';
import { Subject } from 'rxjs';
import { DeviceRouter } from '../../../adapters/device-router';
import { DeviceError, type AdapterProblem, type AvailabilityChange, type DeviceAdapter, type DeviceReading, type DeviceReport } from '../../../adapters/device-adapter';
import { Arbiter } from '../../../engine/arbiter';
import { VirtualClock } from '../../../engine/clock';
import { uc4Config } from '../../support/fixtures';

/** An adapter whose device says things on cue: the router is under test, not a protocol. */
class ScriptedAdapter implements DeviceAdapter {
  readonly name = 'scripted';
  readonly reports = new Subject<DeviceReport>();
  readonly availability = new Subject<AvailabilityChange>();
  readonly reports$ = this.reports.asObservable();
  readonly availability$ = this.availability.asObservable();
  readonly problems$ = new Subject<AdapterProblem>().asObservable();
  readonly readings$ = new Subject<DeviceReading>().asObservable();
  readonly applied: string[] = [];
  async start(): Promise<void> {
    // A device read at start answers before the engine runs.
    this.reports.next({ actuatorId: 'front.lock', state: 'unlocked' });
    this.availability.next({ actuatorId: 'living.window', available: false, reason: 'no answer' });
  }
  async apply(actuatorId: string, state: string | number): Promise<void> {
    this.applied.push(`${actuatorId}=${state}`);
  }
  async read(actuatorId: string): Promise<string> {
    throw new DeviceError('UNSUPPORTED', actuatorId, 'the scripted device is never read');
  }
  async stop(): Promise<void> {}
}

describe('device router', () => {
  it('hands what devices said before the engine ran over to it once it runs', async () => {
    const adapter = new ScriptedAdapter();
    const router = new DeviceRouter([adapter], [
      { actuatorId: 'front.lock', kind: 'lock', adapter: 'scripted', address: 'door' },
      { actuatorId: 'living.window', kind: 'window', adapter: 'scripted', address: 'window' },
    ]);
    const arbiter = new Arbiter({ config: uc4Config(), clock: new VirtualClock(0), devices: router });
    await router.start(arbiter);
    await arbiter.start();
    await new Promise((r) => setImmediate(r));
    assert.equal(arbiter.view('front.lock')?.state, 'unlocked');
    assert.equal(arbiter.view('front.lock')?.owner, 'manual');
    assert.equal(arbiter.view('living.window')?.available, false);
    await arbiter.command({ system: 'security', target: 'front.lock', state: 'locked' });
    assert.deepEqual(adapter.applied, ['front.lock=locked']);
    await router.stop();
    await arbiter.stop();
  });

  it('starts the other adapters when one fails, and reports the devices of the failed one unreachable', async () => {
    const broken = new ScriptedAdapter();
    Object.defineProperty(broken, 'name', { value: 'broken' });
    broken.start = async () => {
      throw new Error('serial port /dev/ttyACM0 not found');
    };
    const working = new ScriptedAdapter();
    const router = new DeviceRouter([broken, working], [
      { actuatorId: 'hall.light', kind: 'light', adapter: 'broken', address: 'x' },
      { actuatorId: 'front.lock', kind: 'lock', adapter: 'scripted', address: 'door' },
    ]);
    const arbiter = new Arbiter({ config: uc4Config(), clock: new VirtualClock(0), devices: router });
    const results = await router.start(arbiter);
    await arbiter.start();
    assert.deepEqual(results, [
      { adapter: 'broken', started: false, reason: 'adapter broken failed to start: serial port /dev/ttyACM0 not found' },
      { adapter: 'scripted', started: true },
    ]);
    assert.equal(arbiter.view('hall.light')?.available, false);
    assert.equal(arbiter.view('front.lock')?.state, 'unlocked');
    await router.stop();
    await arbiter.stop();
  });

  it('refuses a binding to an adapter it does not have, naming the actuator', () => {
    assert.throws(
      () => new DeviceRouter([new ScriptedAdapter()], [{ actuatorId: 'tv', kind: 'av', adapter: 'infrared', address: 'x' }]),
      (err: unknown) => err instanceof DeviceError && err.code === 'UNSUPPORTED' && /tv: no adapter named "infrared"/.test(err.message),
    );
  });
});
