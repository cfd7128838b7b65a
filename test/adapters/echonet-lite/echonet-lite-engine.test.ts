import { strict as assert } from 'assert';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { needsNetworkNamespaces } from './support/needs-netns';
import { NetnsPair } from './support/netns-pair';
import type { ChildEvent, NetnsChild } from './support/netns-child';
import { DEVICE_SCRIPT, E0, HOST_SCRIPT, LOCK, SHUTTER, WINDOW, startChild, waitUntil, type DeviceState } from './support/fixtures';
import { NetworkReplay } from './support/network-replay';

/** The contract's scenarios, as copied into the repository (UC4: 01 and 02). */
const CONTRACT = join(__dirname, '../../../../test/scenarios/contract');

/** The home of scenario 01: a window, comfort ventilation and security. */
const windowHome = () => NetworkReplay.loadOnEchonet(join(CONTRACT, '01-window-vs-security.yaml')).config;

describe('echonet-lite adapter end to end: engine, adapter and emulated devices replay UC4', function () {
  this.timeout(30_000);
  before(needsNetworkNamespaces);
  let net: NetnsPair | undefined;
  let devices: NetnsChild;
  let engine: NetnsChild | undefined;
  let seen = 0;

  before(async () => {
    net = await NetnsPair.create();
    devices = await startChild('emulated devices', net.devices, DEVICE_SCRIPT, [JSON.stringify([WINDOW, SHUTTER, LOCK])]);
  });

  beforeEach(() => devices.request('reset'));

  afterEach(async () => {
    await engine?.close();
    engine = undefined;
  });

  after(async () => {
    const closed = await Promise.allSettled([engine?.close(), devices?.close()]);
    await net?.remove();
    const failed = closed.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  });

  async function startEngine(config: object, options: object = { timeout: 2000 }, more: { store?: string; retryEvery?: number } = {}): Promise<NetnsChild> {
    engine = await startChild('engine host', net!.controller, HOST_SCRIPT);
    seen = 0;
    await engine.request('engineStart', { config, options, ...more });
    return engine;
  }

  const arbiterEvent = (type: string, target: string) => (e: ChildEvent) => e.event === 'arbiter' && e.payload.type === type && e.payload.target === target;
  /** The SetC (61) and Get (62) requests the window received, oldest first. */
  const windowRequests = async () =>
    (await devices.request<{ esv: string; deoj: string }[]>('received')).filter((r) => r.deoj === WINDOW.eoj && (r.esv === '61' || r.esv === '62')).map((r) => r.esv);

  /** The engine's events since the previous call (as a scenario's `expect` sees them). */
  function eventsSinceLast(types: string[]): ChildEvent['payload'][] {
    const all = engine!.seen((e) => e.event === 'arbiter');
    const fresh = all.slice(seen).map((e) => e.payload);
    seen = all.length;
    return fresh.filter((e) => types.includes(e.type));
  }

  /** The engine confirmed `state` (the device answered Set_Res) and the device at the far end holds it. */
  async function expectAtDevice(id: string, eoj: string, state: string): Promise<void> {
    await waitUntil(`${id} confirmed ${state}`, async () => (await engine!.request<{ state: string }>('view', { id })).state === state);
    const properties = await devices.request<DeviceState>('state');
    assert.equal(properties[eoj]!.e0, E0[state], `${id} at the device (EOJ ${eoj}, EPC 0xE0)`);
  }

  for (const file of ['01-window-vs-security.yaml', '02-fire-evacuation.yaml']) {
    it(`replays the contract scenario ${file} with its actuators on ECHONET Lite`, async () => {
      const { config, steps } = NetworkReplay.loadOnEchonet(join(CONTRACT, file));
      await startEngine(config);
      await new NetworkReplay(engine!, devices).run(steps);
    });
  }

  it('a manual change at the window reaches the engine by INF, and security\'s higher claim closes it again', async () => {
    await startEngine(windowHome());
    await engine!.request('command', { system: 'security', target: 'living.window', state: 'closed' });
    await expectAtDevice('living.window', WINDOW.eoj, 'closed');
    eventsSinceLast([]);

    await devices.request('manual', { eoj: WINDOW.eoj, epc: 'e0', edt: E0.open }); // someone opens it by hand
    await engine!.waitFor('a manual event', (e) => e.event === 'arbiter' && e.payload.type === 'manual' && e.payload.state === 'open');
    await expectAtDevice('living.window', WINDOW.eoj, 'closed');
    const conflicts = eventsSinceLast(['conflict']);
    assert.deepEqual(conflicts.map((c) => [c.winner, c.loser]), [['security', 'manual']]);
  });

  it('a window that does not answer is degraded, and restored with the desired state once it answers again', async () => {
    await startEngine(windowHome(), { timeout: 500, probeInterval: 200 });
    await devices.request('silent', { value: true });
    await engine!.request('command', { system: 'security', target: 'living.window', state: 'open' });
    const degraded = await engine!.waitFor('degraded', (e) => e.event === 'arbiter' && e.payload.type === 'degraded');
    assert.equal(degraded.payload.target, 'living.window');
    assert.equal((await devices.request<DeviceState>('state'))[WINDOW.eoj]!.e0, E0.closed, 'the silent window did not move');

    await devices.request('silent', { value: false });
    await engine!.waitFor('restored', (e) => e.event === 'arbiter' && e.payload.type === 'restored' && e.payload.target === 'living.window');
    await expectAtDevice('living.window', WINDOW.eoj, 'open');
  });

  for (const refusal of ['51', '50']) {
    it(`a refused command (0x${refusal}) degrades the window, a probe's answer restores it, and a window that keeps refusing gets the command after twice as many probes each time`, async () => {
      await startEngine(windowHome(), { timeout: 1000, probeInterval: 100 });
      await devices.request('refuse', { eoj: WINDOW.eoj, epc: 'e0', with: refusal });
      const before = (await windowRequests()).length;
      await engine!.request('command', { system: 'security', target: 'living.window', state: 'open' });
      await engine!.waitFor('degraded', arbiterEvent('degraded', 'living.window'));
      await engine!.waitFor('restored', arbiterEvent('restored', 'living.window'));
      // SetC, refused; one Get answered; SetC again, refused; two Gets; SetC; four Gets; SetC.
      const expected = ['61', '62', '61', '62', '62', '61', '62', '62', '62', '62', '61'];
      await waitUntil('the fourth SetC', async () => (await windowRequests()).slice(before).filter((r) => r === '61').length >= 4);
      const since = (await windowRequests()).slice(before);
      const first = since.indexOf('61'); // the start-up Get may be counted here, whatever the order of its datagram and our mark
      assert.deepEqual(since.slice(first, first + expected.length), expected);

      await devices.request('accept', { eoj: WINDOW.eoj, epc: 'e0' });
      await expectAtDevice('living.window', WINDOW.eoj, 'open');
    });
  }

  it('a restart finds the window its store held unavailable reachable again, and carries out what is owed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'home-arbiter-echonet-'));
    const store = join(dir, 'store.sqlite');
    try {
      // No probes: only the start-up Get can bring the window back.
      const options = { timeout: 300, probeInterval: 3_600_000 };
      await startEngine(windowHome(), options, { store });
      await devices.request('silent', { value: true });
      await engine!.request('command', { system: 'security', target: 'living.window', state: 'open' });
      await engine!.waitFor('degraded', arbiterEvent('degraded', 'living.window'));
      await engine!.close();
      await devices.request('silent', { value: false });

      await startEngine(windowHome(), options, { store });
      await engine!.waitFor('restored', arbiterEvent('restored', 'living.window'));
      await expectAtDevice('living.window', WINDOW.eoj, 'open');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an adapter that failed to start is started again, and the answers to its start-up Gets restore its devices', async () => {
    await net!.controllerMulticast(false);
    try {
      await startEngine(windowHome(), { timeout: 500 }, { retryEvery: 200 });
      const [result] = (await engine!.waitFor('the adapter results', (e) => e.event === 'adapters')).payload;
      assert.equal(result.started, false);
      assert.match(result.reason, /cannot join the multicast group/);
      assert.equal((await engine!.request<{ available: boolean }>('view', { id: 'living.window' })).available, false);
    } finally {
      await net!.controllerMulticast(true);
    }
    await engine!.waitFor('restored', arbiterEvent('restored', 'living.window'));
    await engine!.request('command', { system: 'security', target: 'living.window', state: 'open' });
    await expectAtDevice('living.window', WINDOW.eoj, 'open');
  });
});
