import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { ActuatorBinding } from '../../../adapters/device-adapter';
import { ZigbeeHerdsmanAdapter } from '../../../adapters/zigbee-herdsman';
import { closeFixture, eventually, herdsmanFixture, lastAvailability, pair, type HerdsmanFixture } from './support/herdsman-fixture';
import { doorLock, onOffPlug, windowCovering, type SimulatedDevice } from './support/simulated-device';

const LOCK = '0x00124b0000000a01';
const COVER = '0x00124b0000000c01';
const PLUG = '0x00124b0000000b01';

const BINDINGS: ActuatorBinding[] = [
  { actuatorId: 'front.lock', kind: 'lock', adapter: 'zigbee-herdsman', address: LOCK },
  { actuatorId: 'living.window', kind: 'window', adapter: 'zigbee-herdsman', address: `${COVER}/1` },
  { actuatorId: 'living.blind', kind: 'blind', adapter: 'zigbee-herdsman', address: COVER, options: { position: true } },
  { actuatorId: 'hall.plug', kind: 'switch', adapter: 'zigbee-herdsman', address: PLUG },
];

function lastFrame(fixture: HerdsmanFixture, ieeeAddr: string) {
  const frames = fixture.coordinator.commandsTo(ieeeAddr);
  assert.ok(frames.length > 0, `no frame was sent to ${ieeeAddr}`);
  const { cluster, command, payload } = frames.at(-1)!;
  return { cluster, command, payload };
}

async function rejection(promise: Promise<unknown>): Promise<{ code?: string; actuatorId?: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    return err as { code?: string; message: string };
  }
  assert.fail('expected apply to reject');
}

describe('zigbee-herdsman adapter', () => {
  let fixture: HerdsmanFixture | undefined;
  let devices: SimulatedDevice[];

  afterEach(async () => {
    await closeFixture(fixture);
    fixture = undefined;
  });

  async function started(bindings = BINDINGS, probeInterval?: number): Promise<HerdsmanFixture> {
    devices = [doorLock(), windowCovering(), onOffPlug()];
    fixture = herdsmanFixture(devices, undefined, probeInterval);
    await fixture.adapter.start(bindings);
    await pair(fixture, devices, bindings);
    const f = fixture;
    await eventually(() => BINDINGS.every((b) => f.reports.some((r) => r.actuatorId === b.actuatorId)), 'the states read after pairing');
    f.reports.length = 0;
    return f;
  }

  describe('pairing', () => {
    it('names actuators whose device is not in the database yet, and makes them reachable once herdsman has interviewed it', async () => {
      devices = [doorLock()];
      fixture = herdsmanFixture(devices);
      await fixture.adapter.start(BINDINGS.slice(0, 1));
      assert.deepEqual(fixture.problems.map((p) => [p.device, p.field]), [['front.lock', 'address']]);
      assert.equal(lastAvailability(fixture, 'front.lock'), false);

      await pair(fixture, devices, BINDINGS.slice(0, 1));
      const interview = fixture.coordinator.frames.filter((f) => f.ieeeAddr === LOCK && f.cluster === 'genBasic' && f.command === 'read');
      assert.ok(interview.length > 0, 'herdsman read the basic cluster during the interview');
    });

    it('reads each actuator\'s state once its device is paired, and again at start: the read responses become reports', async () => {
      devices = [doorLock(), windowCovering(), onOffPlug()];
      devices[2].set('genOnOff', { onOff: 1 });
      fixture = herdsmanFixture(devices);
      await fixture.adapter.start(BINDINGS);
      await pair(fixture, devices, BINDINGS);
      const f = fixture;
      const expected = [
        { actuatorId: 'front.lock', state: 'unlocked' },
        { actuatorId: 'living.window', state: 'closed' },
        { actuatorId: 'living.blind', state: 0 },
        { actuatorId: 'hall.plug', state: 'on' },
      ];
      const reported = () => expected.every((e) => f.reports.some((r) => r.actuatorId === e.actuatorId && r.state === e.state));
      await eventually(reported, 'a report of each state read');
      assert.ok(f.coordinator.frames.some((fr) => fr.ieeeAddr === PLUG && fr.cluster === 'genOnOff' && fr.command === 'read'));

      await f.adapter.stop();
      f.coordinator.device(PLUG).set('genOnOff', { onOff: 0 }); // switched off while the adapter was down
      fixture = herdsmanFixture(devices, f.dataDir);
      await fixture.adapter.start(BINDINGS);
      const g = fixture;
      await eventually(() => g.reports.some((r) => r.actuatorId === 'hall.plug' && r.state === 'off'), 'the plug read as off at start');
    });

    it('names an actuator whose device joined but could not be interviewed', async () => {
      devices = [doorLock()];
      devices[0].behaviour = 'silent';
      fixture = herdsmanFixture(devices);
      await fixture.adapter.start(BINDINGS.slice(0, 1));
      fixture.coordinator.join(LOCK);
      const f = fixture;
      await eventually(() => f.problems.some((p) => p.device === 'front.lock' && /could not interview/.test(p.message)), 'an interview problem');
      assert.equal(lastAvailability(f, 'front.lock'), false);
    });

    it('remembers paired devices across a restart (herdsman database in the data dir)', async () => {
      const { dataDir } = await started();
      await fixture!.adapter.stop();
      fixture = herdsmanFixture([doorLock(), windowCovering(), onOffPlug()], dataDir);
      await fixture.adapter.start(BINDINGS);
      assert.deepEqual(fixture.problems, []);
      await fixture.adapter.apply('front.lock', 'locked');
      assert.equal(fixture.coordinator.device(LOCK).attribute('closuresDoorLock', 'lockState'), 1);
    });
  });

  describe('coordinator', () => {
    it('rejects start naming the coordinator when its serial port does not exist (herdsman\'s real Z-Stack driver)', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'home-arbiter-herdsman-'));
      const adapter = new ZigbeeHerdsmanAdapter({ dataDir, serialPort: { adapter: 'zstack', path: join(dataDir, 'no-such-tty') }, logger: pino({ level: 'silent' }) });
      try {
        await assert.rejects(adapter.start([]), /zigbee-herdsman: the coordinator did not start .*no-such-tty/);
        await adapter.stop();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });

    it('refuses a second adapter in the same process (herdsman keeps its devices in static fields)', async () => {
      const f = await started();
      const second = new ZigbeeHerdsmanAdapter({ dataDir: f.dataDir, logger: pino({ level: 'silent' }) });
      await assert.rejects(second.start([]), /another adapter .* is running in this process/);
      await second.stop();
      await f.adapter.apply('hall.plug', 'on');
    });
  });

  describe('commands', () => {
    it('locks and unlocks with closuresDoorLock lockDoor / unlockDoor', async () => {
      const f = await started();
      await f.adapter.apply('front.lock', 'locked');
      assert.deepEqual(lastFrame(f, LOCK), { cluster: 'closuresDoorLock', command: 'lockDoor', payload: { pincodevalue: Buffer.alloc(0) } });
      assert.equal(f.coordinator.device(LOCK).attribute('closuresDoorLock', 'lockState'), 1);
      await f.adapter.apply('front.lock', 'unlocked');
      assert.deepEqual(lastFrame(f, LOCK), { cluster: 'closuresDoorLock', command: 'unlockDoor', payload: { pincodevalue: Buffer.alloc(0) } });
      assert.equal(f.coordinator.device(LOCK).attribute('closuresDoorLock', 'lockState'), 2);
    });

    it('opens and closes the cover with closuresWindowCovering upOpen / downClose', async () => {
      const f = await started();
      await f.adapter.apply('living.window', 'open');
      assert.deepEqual(lastFrame(f, COVER), { cluster: 'closuresWindowCovering', command: 'upOpen', payload: {} });
      assert.equal(f.coordinator.device(COVER).attribute('closuresWindowCovering', 'currentPositionLiftPercentage'), 0);
      await f.adapter.apply('living.window', 'closed');
      assert.deepEqual(lastFrame(f, COVER), { cluster: 'closuresWindowCovering', command: 'downClose', payload: {} });
      assert.equal(f.coordinator.device(COVER).attribute('closuresWindowCovering', 'currentPositionLiftPercentage'), 100);
    });

    it('positions a numeric cover with goToLiftPercentage, 40 % open being 60 % lift', async () => {
      const f = await started();
      await f.adapter.apply('living.blind', 40);
      assert.deepEqual(lastFrame(f, COVER), { cluster: 'closuresWindowCovering', command: 'goToLiftPercentage', payload: { percentageliftvalue: 60 } });
      assert.equal(f.coordinator.device(COVER).attribute('closuresWindowCovering', 'currentPositionLiftPercentage'), 60);
    });

    it('switches the plug with genOnOff on / off', async () => {
      const f = await started();
      await f.adapter.apply('hall.plug', 'on');
      assert.deepEqual(lastFrame(f, PLUG), { cluster: 'genOnOff', command: 'on', payload: {} });
      assert.equal(f.coordinator.device(PLUG).attribute('genOnOff', 'onOff'), 1);
      await f.adapter.apply('hall.plug', 'off');
      assert.deepEqual(lastFrame(f, PLUG), { cluster: 'genOnOff', command: 'off', payload: {} });
      assert.equal(f.coordinator.device(PLUG).attribute('genOnOff', 'onOff'), 0);
    });

    it('puts the ZCL bytes on the air: frame control, sequence number, command id, payload', async () => {
      const f = await started();
      await f.adapter.apply('front.lock', 'locked');
      await f.adapter.apply('living.blind', 40);
      await f.adapter.apply('hall.plug', 'on');
      const wire = (ieee: string) => {
        const { bytes } = f.coordinator.commandsTo(ieee).at(-1)!;
        // Byte 1 is the transaction sequence number herdsman chose; the rest is fixed by ZCL 2.4.1.
        return [bytes[0], bytes[2], ...bytes.subarray(3)];
      };
      // Cluster-specific, client to server; lockDoor has its own response, so the default response is disabled (0x11).
      assert.deepEqual(wire(LOCK), [0x11, 0x00, 0x00]); // lockDoor, empty PIN octet string
      assert.deepEqual(wire(COVER), [0x01, 0x05, 60]); // goToLiftPercentage 60 %
      assert.deepEqual(wire(PLUG), [0x01, 0x01]); // on, no payload
    });

    it('rejects with REFUSED when the device answers with a failure status', async () => {
      const f = await started();
      f.coordinator.device(LOCK).behaviour = 'refuses';
      f.coordinator.device(PLUG).behaviour = 'refuses';
      const lock = await rejection(f.adapter.apply('front.lock', 'locked'));
      assert.equal(lock.code, 'REFUSED');
      assert.match(lock.message, /lockDoor.*FAILURE/);
      assert.equal((await rejection(f.adapter.apply('hall.plug', 'on'))).code, 'REFUSED');
      assert.equal(f.coordinator.device(LOCK).attribute('closuresDoorLock', 'lockState'), 2);
    });

    it('rejects with TIMEOUT and reports the device unreachable until it is heard from again', async () => {
      const f = await started();
      f.coordinator.device(PLUG).behaviour = 'silent';
      const error = await rejection(f.adapter.apply('hall.plug', 'on'));
      assert.equal(error.code, 'TIMEOUT');
      assert.equal(error.actuatorId, 'hall.plug');
      assert.equal(lastAvailability(f, 'hall.plug'), false);

      f.coordinator.device(PLUG).behaviour = 'answers';
      f.coordinator.changeAtDevice(PLUG, 'genOnOff', { onOff: 1 });
      await eventually(() => lastAvailability(f, 'hall.plug') === true, 'hall.plug reachable after its report');
    });

    it('rejects with UNKNOWN_DEVICE for a device that never joined, and for an actuator it does not drive', async () => {
      const stranger: ActuatorBinding = { actuatorId: 'shed.plug', kind: 'switch', adapter: 'zigbee-herdsman', address: '0x00124b00deadbeef' };
      const f = await started([...BINDINGS, stranger]);
      assert.ok(f.problems.some((p) => p.device === 'shed.plug' && p.field === 'address' && p.message.includes('0x00124b00deadbeef')));
      assert.equal((await rejection(f.adapter.apply('shed.plug', 'on'))).code, 'UNKNOWN_DEVICE');
      assert.equal((await rejection(f.adapter.apply('attic.fan', 'on'))).code, 'UNKNOWN_DEVICE');
    });

    it('names an actuator bound to a device without its cluster, and rejects commands to it as UNSUPPORTED', async () => {
      const wrong: ActuatorBinding = { actuatorId: 'hall.lock', kind: 'lock', adapter: 'zigbee-herdsman', address: PLUG };
      devices = [onOffPlug()];
      fixture = herdsmanFixture(devices);
      await fixture.adapter.start([wrong]);
      fixture.coordinator.join(PLUG);
      const f = fixture;
      await eventually(() => f.problems.some((p) => p.field === 'cluster'), 'an unsupported-cluster problem');
      assert.match(f.problems.find((p) => p.field === 'cluster')!.message, /closuresDoorLock/);
      assert.equal((await rejection(f.adapter.apply('hall.lock', 'locked'))).code, 'UNSUPPORTED');
      assert.deepEqual(f.coordinator.commandsTo(PLUG), []);
    });

    it('names bindings with a malformed address or a kind without a cluster', async () => {
      devices = [];
      fixture = herdsmanFixture(devices);
      await fixture.adapter.start([
        { actuatorId: 'a', kind: 'switch', adapter: 'zigbee-herdsman', address: '00:12:4b:00' },
        { actuatorId: 'b', kind: 'switch', adapter: 'zigbee-herdsman', address: `${PLUG}/300` },
        { actuatorId: 'c', kind: 'valve', adapter: 'zigbee-herdsman', address: PLUG },
      ]);
      assert.deepEqual(fixture.problems.map((p) => [p.device, p.field]), [['a', 'address'], ['b', 'address'], ['c', 'kind']]);
    });
  });

  describe('reports', () => {
    it('turns attribute reports of a change at the device into reports', async () => {
      const f = await started();
      f.coordinator.changeAtDevice(LOCK, 'closuresDoorLock', { lockState: 1 });
      f.coordinator.changeAtDevice(PLUG, 'genOnOff', { onOff: 1 });
      f.coordinator.changeAtDevice(COVER, 'closuresWindowCovering', { currentPositionLiftPercentage: 25 });
      await eventually(() => f.reports.length >= 4, 'four reports');
      assert.deepEqual(new Set(f.reports.map((r) => JSON.stringify(r))), new Set([
        JSON.stringify({ actuatorId: 'front.lock', state: 'locked' }),
        JSON.stringify({ actuatorId: 'hall.plug', state: 'on' }),
        JSON.stringify({ actuatorId: 'living.window', state: 'open' }),
        JSON.stringify({ actuatorId: 'living.blind', state: 75 }),
      ]));
    });

    it('reports the confirmed state after a command, as the device reports it', async () => {
      const f = await started();
      await f.adapter.apply('living.window', 'open');
      await eventually(() => f.reports.some((r) => r.actuatorId === 'living.window'), 'the cover reporting after upOpen');
      assert.deepEqual(f.reports.filter((r) => r.actuatorId === 'living.window'), [{ actuatorId: 'living.window', state: 'open' }]);
    });

    it('names device and field for malformed attribute values instead of reporting them', async () => {
      const f = await started();
      f.problems.length = 0; // those of start-up, before the devices were paired
      f.coordinator.changeAtDevice(LOCK, 'closuresDoorLock', { lockState: 7 });
      f.coordinator.changeAtDevice(LOCK, 'closuresDoorLock', { lockState: 0 });
      f.coordinator.changeAtDevice(PLUG, 'genOnOff', { onOff: 5 });
      f.coordinator.changeAtDevice(COVER, 'closuresWindowCovering', { currentPositionLiftPercentage: 200 });
      await eventually(() => f.problems.length >= 5, `five problems, got ${JSON.stringify(f.problems)} and ${JSON.stringify(f.reports)}`);
      assert.deepEqual(
        f.problems.map((p) => `${p.device}.${p.field}`).sort(),
        ['front.lock.lockState', 'front.lock.lockState', 'hall.plug.onOff', 'living.blind.currentPositionLiftPercentage', 'living.window.currentPositionLiftPercentage'],
      );
      assert.match(f.problems[0].message, new RegExp(LOCK));
      assert.deepEqual(f.reports, []);
    });
  });

  describe('availability', () => {
    it('reports a device that leaves unreachable, and reachable again once it re-joins', async () => {
      const f = await started();
      f.coordinator.leave(LOCK);
      await eventually(() => lastAvailability(f, 'front.lock') === false, 'front.lock unreachable after the leave');
      assert.match(f.availability.at(-1)!.reason ?? '', /left/);
      assert.equal((await rejection(f.adapter.apply('front.lock', 'locked'))).code, 'UNKNOWN_DEVICE');

      await pair(f, [f.coordinator.device(LOCK)], BINDINGS);
      await f.adapter.apply('front.lock', 'locked');
      assert.equal(f.coordinator.device(LOCK).attribute('closuresDoorLock', 'lockState'), 1);
    });

    it('stops twice without error and completes its streams', async () => {
      const f = await started();
      let completed = 0;
      f.adapter.reports$.subscribe({ complete: () => completed++ });
      await f.adapter.stop();
      await f.adapter.stop();
      assert.equal(completed, 1);
      assert.equal((await rejection(f.adapter.apply('front.lock', 'locked'))).code, 'OFFLINE');
    });
  });
  describe('recovery (adapters/device-recovery.ts)', () => {
    /** Reads of the lock's state (ZCL read of closuresDoorLock) the coordinator sent, and the commands. */
    const reads = (f: HerdsmanFixture) => f.coordinator.frames.filter((fr) => fr.ieeeAddr === LOCK && fr.global && fr.command === 'read' && fr.cluster === 'closuresDoorLock').length;
    /** The availability the adapter said for the lock from `mark` on. */
    const lockSaid = (f: HerdsmanFixture, mark: number) => f.availability.slice(mark).filter((a) => a.actuatorId === 'front.lock').map((a) => a.available);

    it('says each actuator is available once it answers the start-up read, whatever it was before (the store may hold it unavailable)', async () => {
      const f = await started();
      const dataDir = f.dataDir;
      await f.adapter.stop(); // paired: the next start finds the devices in herdsman's database
      devices = [doorLock(), windowCovering(), onOffPlug()];
      fixture = herdsmanFixture(devices, dataDir);
      const again = fixture;
      await again.adapter.start(BINDINGS);
      await eventually(() => BINDINGS.every((b) => lastAvailability(again, b.actuatorId) === true), 'every actuator available after its start-up read');
      assert.ok(again.availability.every((a) => a.available), 'nothing was unavailable on the way');
      assert.ok(again.reports.some((r) => r.actuatorId === 'front.lock' && r.state === 'unlocked'), 'the start-up read is a report');
    });

    it('probes a device that refused (a read, never the command again) and says it is available on its answer', async () => {
      const f = await started(BINDINGS, 50);
      f.coordinator.device(LOCK).behaviour = 'refuses';
      const mark = f.availability.length;
      const readsBefore = reads(f);
      assert.equal((await rejection(f.adapter.apply('front.lock', 'locked'))).code, 'REFUSED');
      await eventually(() => lockSaid(f, mark).join() === 'false,true', 'front.lock unavailable, then available after a probe');
      assert.ok(reads(f) > readsBefore, 'the lock was read');
      assert.deepEqual(f.coordinator.commandsTo(LOCK).map((c) => c.command), ['lockDoor'], 'and not sent lockDoor again');
    });

    it('needs twice as many probe answers after each further refusal of the same state in a row (1, 2, 4 ...)', async () => {
      const f = await started(BINDINGS, 50);
      f.coordinator.device(LOCK).behaviour = 'refuses';
      await rejection(f.adapter.apply('front.lock', 'locked'));
      await eventually(() => lastAvailability(f, 'front.lock') === true, 'front.lock back after the first refusal');
      const readsBefore = reads(f);
      assert.equal((await rejection(f.adapter.apply('front.lock', 'locked'))).code, 'REFUSED');
      await eventually(() => lastAvailability(f, 'front.lock') === true, 'front.lock back after the second refusal');
      assert.ok(reads(f) - readsBefore >= 2, `two probe answers were needed, ${reads(f) - readsBefore} reads were sent`);
    });

    it('probes a device that did not answer a command and says it is available when it answers again', async () => {
      const f = await started(BINDINGS, 50);
      f.coordinator.device(LOCK).behaviour = 'silent';
      const mark = f.availability.length;
      assert.equal((await rejection(f.adapter.apply('front.lock', 'locked'))).code, 'TIMEOUT');
      await eventually(() => lastAvailability(f, 'front.lock') === false, 'front.lock unavailable');
      const readsBefore = reads(f);
      await eventually(() => reads(f) > readsBefore, 'a probe while it is silent');
      assert.equal(lastAvailability(f, 'front.lock'), false, 'an unanswered probe changes nothing');
      f.coordinator.device(LOCK).behaviour = 'answers';
      await eventually(() => lockSaid(f, mark).join() === 'false,true', 'front.lock available after it answered a probe');
    });
  });
});
