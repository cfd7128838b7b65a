import { strict as assert } from 'assert';
import { NetnsPair } from './support/netns-pair';
import type { ChildEvent, NetnsChild } from './support/netns-child';
import { DEVICE_SCRIPT, HOST_SCRIPT, LOCK, SHUTTER, WINDOW, startChild, waitUntil, type DeviceState } from './support/fixtures';

const device = (eoj: string) => ({ adapter: 'echonet-lite', address: `${NetnsPair.DEVICES_IP}/${eoj}` });

/** The contract's scenario 01 (UC4) with the window on ECHONET Lite. */
const WINDOW_VS_SECURITY = {
  actuators: [{ id: 'living.window', kind: 'window', initial: 'closed', safe: 'closed', device: device(WINDOW.eoj) }],
  systems: [
    { id: 'comfort-vent', category: 'comfort', targets: ['kind:window'] },
    { id: 'security', category: 'property' },
  ],
};

/** The contract's scenario 02 (UC4) with the lock and the shutter on ECHONET Lite. */
const FIRE_EVACUATION = {
  actuators: [
    { id: 'front.lock', kind: 'lock', initial: 'unlocked', safe: 'locked', device: device(LOCK.eoj) },
    { id: 'living.shutter', kind: 'shutter', initial: 'open', zone: 'living', device: device(SHUTTER.eoj) },
  ],
  systems: [{ id: 'security', category: 'property' }],
  facts: [{ name: 'smoke', initial: false }],
  policies: [
    {
      name: 'fire-evacuation',
      conditions: { all: [{ fact: 'smoke', operator: 'equal', value: true }] },
      event: { type: 'assert', params: { target: 'front.lock', state: 'unlocked', category: 'life' } },
    },
  ],
};

// EPC 0xE0 of the window, shutter and lock classes (echonet-profile.ts).
const E0 = { open: '41', closed: '42', locked: '41', unlocked: '42' } as const;

describe('echonet-lite adapter end to end: engine, adapter and emulated devices replay UC4', function () {
  this.timeout(30_000);
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
    try {
      await devices?.close();
    } finally {
      await net?.remove();
    }
  });

  async function startEngine(config: object, options: object = { timeout: 2000 }): Promise<NetnsChild> {
    engine = await startChild('engine host', net!.controller, HOST_SCRIPT);
    seen = 0;
    await engine.request('engineStart', { config, options });
    return engine;
  }

  /** The engine's events since the previous call (as a scenario's `expect` sees them). */
  function eventsSinceLast(types: string[]): ChildEvent['payload'][] {
    const all = engine!.seen((e) => e.event === 'arbiter');
    const fresh = all.slice(seen).map((e) => e.payload);
    seen = all.length;
    return fresh.filter((e) => types.includes(e.type));
  }

  /** The engine confirmed `state` (the device answered Set_Res) and the device at the far end holds it. */
  async function expectAtDevice(id: string, eoj: string, state: keyof typeof E0): Promise<void> {
    await waitUntil(`${id} confirmed ${state}`, async () => (await engine!.request<{ state: string }>('view', { id })).state === state);
    const properties = await devices.request<DeviceState>('state');
    assert.equal(properties[eoj]!.e0, E0[state], `${id} at the device (EOJ ${eoj}, EPC 0xE0)`);
  }

  const owner = async (id: string) => (await engine!.request<{ owner: string | null }>('view', { id })).owner;

  it('security closes the window against comfort ventilation, which comes back when security releases', async () => {
    await startEngine(WINDOW_VS_SECURITY);
    await engine!.request('command', { system: 'comfort-vent', target: 'living.window', state: 'open' });
    await expectAtDevice('living.window', WINDOW.eoj, 'open');
    assert.equal(await owner('living.window'), 'comfort-vent');
    assert.deepEqual(eventsSinceLast(['conflict']), []);

    await engine!.request('command', { system: 'security', target: 'living.window', state: 'closed' });
    await expectAtDevice('living.window', WINDOW.eoj, 'closed');
    assert.equal(await owner('living.window'), 'security');
    const conflicts = eventsSinceLast(['conflict']);
    assert.equal(conflicts.length, 1);
    assert.deepEqual(
      { winner: conflicts[0].winner, loser: conflicts[0].loser, winnerState: conflicts[0].winnerState, loserState: conflicts[0].loserState, resolution: conflicts[0].resolution },
      { winner: 'security', loser: 'comfort-vent', winnerState: 'closed', loserState: 'open', resolution: 'priority' },
    );

    await engine!.request('command', { system: 'comfort-vent', target: 'living.window', state: 'open' });
    const after = eventsSinceLast(['conflict', 'dispatched']);
    assert.deepEqual(after.map((e) => [e.type, e.winner ?? e.state]), [['conflict', 'security']], 'a conflict and no dispatch');
    await expectAtDevice('living.window', WINDOW.eoj, 'closed');

    await engine!.request('release', { system: 'security', target: 'living.window' });
    await expectAtDevice('living.window', WINDOW.eoj, 'open');
    assert.equal(await owner('living.window'), 'comfort-vent');
  });

  it('the fire evacuation policy unlocks the door against security, and security locks it once the smoke clears', async () => {
    await startEngine(FIRE_EVACUATION);
    await engine!.request('command', { system: 'security', target: 'front.lock', state: 'locked' });
    await engine!.request('command', { system: 'security', target: 'living.shutter', state: 'closed' });
    await expectAtDevice('front.lock', LOCK.eoj, 'locked');
    await expectAtDevice('living.shutter', SHUTTER.eoj, 'closed');
    eventsSinceLast([]);

    await engine!.request('facts', { smoke: true });
    await expectAtDevice('front.lock', LOCK.eoj, 'unlocked');
    assert.equal(await owner('front.lock'), 'policy:fire-evacuation');
    const conflicts = eventsSinceLast(['conflict']);
    assert.deepEqual(conflicts.map((c) => [c.target, c.winner, c.loser, c.resolution]), [['front.lock', 'policy:fire-evacuation', 'security', 'priority']]);

    await engine!.request('command', { system: 'security', target: 'front.lock', state: 'locked' });
    const after = eventsSinceLast(['conflict', 'dispatched']);
    assert.deepEqual(after.map((e) => [e.type, e.winner ?? e.state]), [['conflict', 'policy:fire-evacuation']], 'a conflict and no dispatch');
    await expectAtDevice('front.lock', LOCK.eoj, 'unlocked');
    await expectAtDevice('living.shutter', SHUTTER.eoj, 'closed');

    await engine!.request('facts', { smoke: false });
    await expectAtDevice('front.lock', LOCK.eoj, 'locked');
    assert.equal(await owner('front.lock'), 'security');
  });

  it('a manual change at the window reaches the engine by INF, and security\'s higher claim closes it again', async () => {
    await startEngine(WINDOW_VS_SECURITY);
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
    await startEngine(WINDOW_VS_SECURITY, { timeout: 500, probeInterval: 200 });
    await devices.request('silent', { value: true });
    await engine!.request('command', { system: 'security', target: 'living.window', state: 'open' });
    const degraded = await engine!.waitFor('degraded', (e) => e.event === 'arbiter' && e.payload.type === 'degraded');
    assert.equal(degraded.payload.target, 'living.window');
    assert.equal((await devices.request<DeviceState>('state'))[WINDOW.eoj]!.e0, E0.closed, 'the silent window did not move');

    await devices.request('silent', { value: false });
    await engine!.waitFor('restored', (e) => e.event === 'arbiter' && e.payload.type === 'restored' && e.payload.target === 'living.window');
    await expectAtDevice('living.window', WINDOW.eoj, 'open');
  });
});
