import { strict as assert } from 'assert';
import { needsNetworkNamespaces } from './support/needs-netns';
import { NetnsPair } from './support/netns-pair';
import { ChildError, type ChildEvent, type NetnsChild } from './support/netns-child';
import { AC, ANSWER_MODES, DEVICE_SCRIPT, FIXED_WINDOW, HOST_SCRIPT, LIGHT, LOCK, SHUTTER, SHUTTER_0261, WINDOW, startChild, waitUntil, type DeviceState } from './support/fixtures';

const DEVICES = NetnsPair.DEVICES_IP;
const BINDINGS = [
  { actuatorId: 'living.window', kind: 'window', adapter: 'echonet-lite', address: `${DEVICES}/${WINDOW.eoj}` },
  { actuatorId: 'living.shutter', kind: 'shutter', adapter: 'echonet-lite', address: `${DEVICES}/${SHUTTER.eoj}` },
  { actuatorId: 'front.lock', kind: 'lock', adapter: 'echonet-lite', address: `${DEVICES}/${LOCK.eoj}` },
  { actuatorId: 'living.ac', kind: 'ac', adapter: 'echonet-lite', address: `${DEVICES}/${AC.eoj}` },
  { actuatorId: 'living.ac.setpoint', kind: 'ac', adapter: 'echonet-lite', address: `${DEVICES}/${AC.eoj}`, options: { property: 'setpoint' } },
  { actuatorId: 'bedroom.shutter', kind: 'shutter', adapter: 'echonet-lite', address: `${DEVICES}/${SHUTTER_0261.eoj}` },
  { actuatorId: 'hall.window', kind: 'window', adapter: 'echonet-lite', address: `${DEVICES}/${FIXED_WINDOW.eoj}` },
];
const OBJECTS = [WINDOW, SHUTTER, LOCK, AC, LIGHT, SHUTTER_0261, FIXED_WINDOW];

type Request = { esv: string; deoj: string; details: Record<string, string>; port: number };

for (const answerTo of ANSWER_MODES) describe(`echonet-lite adapter against an emulated device in another network namespace (answers to ${answerTo === 'source' ? "the request's source port" : 'port 3610'})`, function () {
  this.timeout(30_000);
  before(needsNetworkNamespaces);
  let net: NetnsPair | undefined;
  let device: NetnsChild;
  let host: NetnsChild;

  before(async () => {
    net = await NetnsPair.create();
    device = await startChild('emulated device', net.devices, DEVICE_SCRIPT, [JSON.stringify(OBJECTS), JSON.stringify({ answerTo })]);
    host = await startChild('adapter host', net.controller, HOST_SCRIPT);
    await host.request('start', { options: { timeout: 1000, probeInterval: 200 }, bindings: BINDINGS });
  });

  after(async () => {
    const closed = await Promise.allSettled([host?.close(), device?.close()]);
    await net?.remove();
    const failed = closed.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  });

  const deviceState = () => device.request<DeviceState>('state');
  const requests = () => device.request<Request[]>('received');

  it('sends every request from the socket bound to port 3610, so that either kind of answer is heard', async () => {
    await host.waitFor('a report of living.window', (e) => e.event === 'report' && e.payload.actuatorId === 'living.window');
    const sent = await requests();
    assert.ok(sent.length > 0);
    assert.deepEqual([...new Set(sent.map((r) => r.port))], [3610]);
  });

  it('reads the property maps (0x9D, 0x9E, 0x9F) and the fault status (0x88) of every bound object at start', async () => {
    await host.waitFor('a report of hall.window', (e) => e.event === 'report' && e.payload.actuatorId === 'hall.window');
    const startUp = (await requests()).find((r) => r.deoj === WINDOW.eoj && r.esv === '62')!;
    assert.deepEqual(Object.keys(startUp.details).sort(), ['88', '9d', '9e', '9f', 'e0']);
    const fault = await host.waitFor('the fault status of the window', (e) => e.event === 'reading' && e.payload.actuatorId === 'living.window');
    assert.deepEqual(fault.payload, { actuatorId: 'living.window', measure: 'fault', value: 0 });
  });

  it('says when an object\'s Set property map does not list the state property, before any command is refused', async () => {
    const problem = await host.waitFor('a problem for the fixed window', (e) => e.event === 'problem' && e.payload.device === 'hall.window');
    assert.equal(problem.payload.field, 'EPC 0x9e');
    assert.match(problem.payload.message, /does not list EPC 0xe0 as settable/);
  });

  it('reports a fault the device announces at 0x88 as a reading of its actuators', async () => {
    await device.request('manual', { eoj: LOCK.eoj, epc: '88', edt: '41' });
    await host.waitFor('a fault reading of the lock', (e) => e.event === 'reading' && e.payload.actuatorId === 'front.lock' && e.payload.value === 1);
    await device.request('manual', { eoj: LOCK.eoj, epc: '88', edt: '42' });
  });

  it('drives an electrically operated shutter (class 0x0261) bound as a shutter', async () => {
    await host.request('apply', { actuatorId: 'bedroom.shutter', state: 'open' });
    assert.equal((await deviceState())[SHUTTER_0261.eoj]!.e0, '41');
  });

  it('reads an actuator back with a Get, never a SetC', async () => {
    const before = (await requests()).length;
    assert.equal(await host.request('read', { actuatorId: 'living.ac.setpoint' }), Number.parseInt((await deviceState())[AC.eoj]!.b3!, 16));
    assert.deepEqual((await requests()).slice(before).map((r) => [r.esv, r.deoj, Object.keys(r.details)]), [['62', AC.eoj, ['b3']]]);
  });

  it('discovers the emulated objects by multicast search, with their kinds', async () => {
    const found = await host.request<{ address: string; kind?: string }[]>('discover', { window: 1000 });
    assert.deepEqual(
      found.map((d) => [d.address, d.kind]),
      [
        [`${DEVICES}/${SHUTTER.eoj}`, 'shutter'],
        [`${DEVICES}/${WINDOW.eoj}`, 'window'],
        [`${DEVICES}/${LOCK.eoj}`, 'lock'],
        [`${DEVICES}/${LIGHT.eoj}`, 'light'],
        [`${DEVICES}/${AC.eoj}`, 'ac'],
        [`${DEVICES}/${SHUTTER_0261.eoj}`, 'shutter'],
        [`${DEVICES}/${FIXED_WINDOW.eoj}`, 'window'],
      ].sort((a, b) => a[0]!.localeCompare(b[0]!)),
    );
  });

  it('reports every bound device state it reads at start (Get answers)', async () => {
    const report = (id: string) => host.waitFor(`a report of ${id}`, (e) => e.event === 'report' && e.payload.actuatorId === id);
    assert.equal((await report('living.window')).payload.state, 'closed'); // WINDOW e0 = 0x42
    assert.equal((await report('living.shutter')).payload.state, 'open'); // SHUTTER e0 = 0x41
    assert.equal((await report('front.lock')).payload.state, 'unlocked'); // LOCK e0 = 0x42
    assert.equal((await report('living.ac')).payload.state, 'off'); // AC 80 = 0x31
    assert.equal((await report('living.ac.setpoint')).payload.state, 20); // AC b3 = 0x14
  });

  it('resolves apply on Set_Res, and the device took the state', async () => {
    const before = (await requests()).length;
    await host.request('apply', { actuatorId: 'living.window', state: 'open' });
    assert.equal((await deviceState())[WINDOW.eoj]!.e0, '41');
    const sets = (await requests()).slice(before).filter((r) => r.esv === '61');
    assert.deepEqual(sets.map((r) => [r.deoj, r.details]), [[WINDOW.eoj, { e0: '41' }]], 'one SetC (ESV 0x61) of EPC 0xE0 = 0x41 (open)');
  });

  it('drives an AC\'s operation status (0x80) and set-point (0xB3) as two actuators on one object', async () => {
    await host.request('apply', { actuatorId: 'living.ac', state: 'on' });
    await host.request('apply', { actuatorId: 'living.ac.setpoint', state: 22 });
    const ac = (await deviceState())[AC.eoj]!;
    assert.deepEqual([ac['80'], ac.b3], ['30', '16']);
    await device.request('manual', { eoj: AC.eoj, epc: 'b3', edt: '18' });
    await host.waitFor('the set-point reported', (e) => e.event === 'report' && e.payload.actuatorId === 'living.ac.setpoint' && e.payload.state === 24);
    await assert.rejects(host.request('apply', { actuatorId: 'living.ac.setpoint', state: 51 }), (err: ChildError) => err.code === 'UNSUPPORTED');
  });

  for (const [esv, name] of [['51', 'SetC_SNA'], ['50', 'SetI_SNA']]) {
    it(`rejects apply with REFUSED when the device answers ${name} (0x${esv}), and the device keeps its state`, async () => {
      await device.request('refuse', { eoj: SHUTTER.eoj, epc: 'e0', with: esv });
      try {
        await assert.rejects(host.request('apply', { actuatorId: 'living.shutter', state: 'closed' }), (err: ChildError) => {
          assert.equal(err.code, 'REFUSED');
          assert.match(err.message, new RegExp(`living\\.shutter.*refused.*ESV 0x${esv}`));
          return true;
        });
      } finally {
        await device.request('accept', { eoj: SHUTTER.eoj, epc: 'e0' });
      }
      assert.equal((await deviceState())[SHUTTER.eoj]!.e0, '41');
    });
  }

  it('takes the INF carrying the value it set as the confirmation when the Set_Res is lost', async () => {
    const state = (await deviceState())[WINDOW.eoj]!.e0 === '41' ? 'closed' : 'open';
    const isWindowReport = (e: ChildEvent) => e.event === 'report' && e.payload.actuatorId === 'living.window';
    const before = host.seen(isWindowReport).length;
    await device.request('loseSetRes', { value: true });
    try {
      await host.request('apply', { actuatorId: 'living.window', state });
    } finally {
      await device.request('loseSetRes', { value: false });
    }
    assert.equal(host.seen(isWindowReport).length, before, 'the INF confirmed the SetC: no report, so no manual change');
  });

  it('reports a manual change at the device announced by INF', async () => {
    await device.request('manual', { eoj: LOCK.eoj, epc: 'e0', edt: '41' });
    await host.waitFor('the lock reported locked', (e) => e.event === 'report' && e.payload.actuatorId === 'front.lock' && e.payload.state === 'locked');
  });

  it('does not report the status-change INF a device sends before its Set_Res (it is no manual change)', async () => {
    const isWindowReport = (e: ChildEvent) => e.event === 'report' && e.payload.actuatorId === 'living.window';
    const state = (await deviceState())[WINDOW.eoj]!.e0 === '41' ? 'closed' : 'open';
    const lockReports = () => host.seen((e) => e.event === 'report' && e.payload.actuatorId === 'front.lock').length;
    const before = host.seen(isWindowReport).length;
    await device.request('announceFirst', { value: true });
    try {
      await host.request('apply', { actuatorId: 'living.window', state });
      // A later announcement from the same node: once it is in, the window's INF is in too.
      const marker = lockReports();
      await device.request('manual', { eoj: LOCK.eoj, epc: 'e0', edt: (await deviceState())[LOCK.eoj]!.e0 === '41' ? '42' : '41' });
      await waitUntil('the lock INF after the window INF', async () => lockReports() > marker);
    } finally {
      await device.request('announceFirst', { value: false });
    }
    const received = (await requests()).filter((r) => r.deoj === WINDOW.eoj && r.esv === '61');
    assert.ok(received.length > 0, 'the device got the SetC and announced the change');
    assert.deepEqual(host.seen(isWindowReport).slice(before), []);
  });

  it('rejects apply with TIMEOUT when the device does not answer, and restores it when it answers again', async () => {
    const isLockAvailability = (e: ChildEvent) => e.event === 'availability' && e.payload.actuatorId === 'front.lock';
    const mark = host.seen(isLockAvailability).length;
    const setsBefore = (await requests()).filter((r) => r.esv === '61' && r.deoj === LOCK.eoj).length;
    await device.request('silent', { value: true });
    try {
      await assert.rejects(host.request('apply', { actuatorId: 'front.lock', state: 'unlocked' }), (err: ChildError) => {
        assert.equal(err.code, 'TIMEOUT');
        assert.match(err.message, /front\.lock.*within 1000 ms/);
        return true;
      });
      const sets = (await requests()).filter((r) => r.esv === '61' && r.deoj === LOCK.eoj);
      assert.equal(sets.length - setsBefore, 1, 'the SetC reached the device, which stayed silent');
    } finally {
      await device.request('silent', { value: false });
    }
    await waitUntil('the lock unavailable, then available again', async () => host.seen(isLockAvailability).slice(mark).map((e) => e.payload.available).join() === 'false,true');
  });

  it('turns a malformed frame into a problem naming the device and field, and keeps working', async () => {
    // INF from the window announcing one property (OPC 1) whose EPC has no PDC: truncated.
    await device.request('raw', { to: NetnsPair.CONTROLLER_IP, hex: `1081 00ff ${WINDOW.eoj} 05ff01 73 01 e0`.replace(/ /g, '') });
    const problem = await host.waitFor('a problem for the malformed frame', (e) => e.event === 'problem' && e.payload.field === 'OPC');
    assert.equal(problem.payload.device, 'living.window');
    assert.equal(problem.payload.adapter, 'echonet-lite');
    await host.request('apply', { actuatorId: 'living.window', state: 'closed' });
    assert.equal((await deviceState())[WINDOW.eoj]!.e0, '42');
  });

  it('reports an announcement from an object nobody bound as a problem naming the object', async () => {
    await device.request('manual', { eoj: LIGHT.eoj, epc: '80', edt: '30' });
    const problem = await host.waitFor('a problem for the unbound light', (e) => e.event === 'problem' && e.payload.field === 'SEOJ');
    assert.equal(problem.payload.device, `${DEVICES}/${LIGHT.eoj}`);
  });

  it('reports an EDT that is none of the kind\'s states as a problem naming the actuator and EPC', async () => {
    await device.request('manual', { eoj: WINDOW.eoj, epc: 'e0', edt: '43' }); // 0x43 stop: no state of ours
    const problem = await host.waitFor('a problem for EDT 0x43', (e) => e.event === 'problem' && e.payload.field === 'EPC 0xe0');
    assert.equal(problem.payload.device, 'living.window');
    assert.match(problem.payload.message, /0x43/);
  });

  it('refuses a second adapter in the same process: the package keeps one instance', async () => {
    await assert.rejects(host.request('startAnother'), /one instance per process/);
    await waitUntil('the first adapter still working', async () => {
      await host.request('apply', { actuatorId: 'living.window', state: 'open' });
      return (await deviceState())[WINDOW.eoj]!.e0 === '41';
    });
  });
});
