import assert from 'node:assert/strict';
import { DeviceRouter } from '../../../adapters/device-router';
import { Arbiter, buildCoreConfig, deviceBindings, type ArbiterEvent, type RawArbiterConfig } from '../../../engine';
import { closeFixture, eventually, herdsmanFixture, pair, type HerdsmanFixture } from './support/herdsman-fixture';
import { doorLock, windowCovering, type SimulatedDevice } from './support/simulated-device';
import { uc4Home } from '../support/uc4-home';

const LOCK = '0x00124b0000000a01';
const COVER = '0x00124b0000000c01';

/** UC4 as in the contract scenarios 01 and 02, with the window and the front door on Zigbee. */
const CONFIG: RawArbiterConfig = uc4Home([
  { id: 'living.window', kind: 'window', initial: 'closed', safe: 'closed', device: { adapter: 'zigbee-herdsman', address: COVER } },
  { id: 'front.lock', kind: 'lock', initial: 'unlocked', safe: 'locked', device: { adapter: 'zigbee-herdsman', address: `${LOCK}/1` } },
]);
const BINDINGS = deviceBindings(CONFIG);

const lift = (device: SimulatedDevice) => device.attribute('closuresWindowCovering', 'currentPositionLiftPercentage');
const lockState = (device: SimulatedDevice) => device.attribute('closuresDoorLock', 'lockState');

describe('zigbee-herdsman adapter with the engine (UC4)', () => {
  let fixture: HerdsmanFixture | undefined;
  let arbiter: Arbiter;
  let router: DeviceRouter;
  let events: ArbiterEvent[];
  let cover: SimulatedDevice;
  let lock: SimulatedDevice;

  /** The devices were paired before (herdsman database in the data dir), as in a running home. */
  async function pairedDataDir(): Promise<string> {
    const devices = [windowCovering(), doorLock()];
    const pairing = herdsmanFixture(devices);
    try {
      await pairing.adapter.start(BINDINGS);
      await pair(pairing, devices, BINDINGS);
    } finally {
      await pairing.adapter.stop();
    }
    return pairing.dataDir;
  }

  beforeEach(async () => {
    const dataDir = await pairedDataDir();
    cover = windowCovering();
    lock = doorLock();
    fixture = herdsmanFixture([cover, lock], dataDir);
    router = new DeviceRouter([fixture.adapter], BINDINGS);
    arbiter = new Arbiter({ config: buildCoreConfig(CONFIG), devices: router });
    events = [];
    arbiter.events$.subscribe((e) => events.push(e));
    await arbiter.start();
    await router.start(arbiter);
    assert.deepEqual(fixture.problems, [], 'the paired devices are all known to herdsman');
  });

  afterEach(async () => {
    await arbiter.stop();
    await router.stop();
    await closeFixture(fixture);
    fixture = undefined;
  });

  /** Events since the last call, for one actuator. */
  function take(target: string): ArbiterEvent[] {
    const mine = events.filter((e) => 'target' in e && e.target === target);
    events = [];
    return mine;
  }

  async function settledOn(what: string, check: () => boolean): Promise<void> {
    await arbiter.settled();
    await eventually(check, what);
  }

  it('window covering vs security: property closes the window over comfort, comfort comes back on release', async () => {
    await arbiter.command({ system: 'comfort-vent', target: 'living.window', state: 'open' });
    await settledOn('the window open (lift 0 %)', () => lift(cover) === 0 && arbiter.view('living.window')?.state === 'open');
    assert.deepEqual(fixture!.coordinator.commandsTo(COVER).map((f) => f.command), ['upOpen']);
    assert.ok(!take('living.window').some((e) => e.type === 'conflict'));

    await arbiter.command({ system: 'security', target: 'living.window', state: 'closed' });
    await settledOn('the window closed (lift 100 %)', () => lift(cover) === 100 && arbiter.view('living.window')?.state === 'closed');
    assert.equal(arbiter.view('living.window')?.owner, 'security');
    assert.ok(take('living.window').some((e) => e.type === 'conflict' && e.winner === 'security' && e.loser === 'comfort-vent' && e.resolution === 'priority'));

    await arbiter.command({ system: 'comfort-vent', target: 'living.window', state: 'open' });
    await arbiter.settled();
    const deferred = take('living.window');
    assert.ok(deferred.some((e) => e.type === 'conflict' && e.winner === 'security'));
    assert.ok(!deferred.some((e) => e.type === 'dispatched'), 'the losing comfort command reaches no device');

    await arbiter.release('security', 'living.window');
    await settledOn('the window open again', () => lift(cover) === 0 && arbiter.view('living.window')?.owner === 'comfort-vent');
    assert.deepEqual(fixture!.coordinator.commandsTo(COVER).map((f) => f.command), ['upOpen', 'downClose', 'upOpen']);
  });

  it('fire evacuation: the life policy unlocks the door against security, security relocks when the smoke clears', async () => {
    await arbiter.command({ system: 'security', target: 'front.lock', state: 'locked' });
    await settledOn('the door locked', () => lockState(lock) === 1 && arbiter.view('front.lock')?.state === 'locked');

    arbiter.setFacts({ smoke: true });
    await settledOn('the door unlocked', () => lockState(lock) === 2 && arbiter.view('front.lock')?.state === 'unlocked');
    assert.equal(arbiter.view('front.lock')?.owner, 'policy:fire-evacuation');
    assert.ok(take('front.lock').some((e) => e.type === 'conflict' && e.winner === 'policy:fire-evacuation' && e.loser === 'security'));

    await arbiter.command({ system: 'security', target: 'front.lock', state: 'locked' });
    await arbiter.settled();
    assert.ok(!take('front.lock').some((e) => e.type === 'dispatched'), 'security cannot relock during the evacuation');
    assert.equal(lockState(lock), 2);

    arbiter.setFacts({ smoke: false });
    await settledOn('the door locked again', () => lockState(lock) === 1 && arbiter.view('front.lock')?.owner === 'security');
    assert.deepEqual(fixture!.coordinator.commandsTo(LOCK).map((f) => f.command), ['lockDoor', 'unlockDoor', 'lockDoor']);
  });

  it('a hand unlocking the door is a manual claim that security overrides (SPEC.md §5)', async () => {
    await arbiter.command({ system: 'security', target: 'front.lock', state: 'locked' });
    await settledOn('the door locked', () => lockState(lock) === 1 && arbiter.view('front.lock')?.state === 'locked');
    await settledOn('the lock reporting its new state', () => fixture!.reports.some((r) => r.state === 'locked'));
    take('front.lock');

    fixture!.coordinator.changeAtDevice(LOCK, 'closuresDoorLock', { lockState: 2 });
    await settledOn('the door locked back', () => lockState(lock) === 1 && arbiter.view('front.lock')?.state === 'locked');
    const after = take('front.lock');
    assert.deepEqual(after.filter((e) => e.type === 'manual').map((e) => e.type === 'manual' && e.state), ['unlocked']);
    assert.ok(after.some((e) => e.type === 'conflict' && e.winner === 'security' && e.loser === 'manual'));
    assert.deepEqual(fixture!.coordinator.commandsTo(LOCK).map((f) => f.command), ['lockDoor', 'lockDoor']);
  });

  it('a window that does not answer is degraded, and restored with the desired state once heard from again (SPEC.md §4)', async () => {
    cover.behaviour = 'silent';
    await arbiter.command({ system: 'comfort-vent', target: 'living.window', state: 'open' });
    await settledOn('the window degraded', () => arbiter.view('living.window')?.available === false);
    assert.ok(events.some((e) => e.type === 'degraded'));

    cover.behaviour = 'answers';
    fixture!.coordinator.changeAtDevice(COVER, 'closuresWindowCovering', { currentPositionLiftPercentage: 100 });
    await settledOn('the window restored and opened', () => events.some((e) => e.type === 'restored') && lift(cover) === 0 && arbiter.view('living.window')?.state === 'open');
    assert.deepEqual(fixture!.coordinator.commandsTo(COVER).map((f) => f.command), ['upOpen', 'upOpen']);
  });
});
