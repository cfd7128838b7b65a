import { strict as assert } from 'node:assert';
import { DeviceRouter } from '../../../adapters/device-router';
import { VirtualAdapter } from '../../../adapters/virtual';
import { Arbiter } from '../../../engine/arbiter';
import { VirtualClock } from '../../../engine/clock';
import { buildCoreConfig, deviceBindings, type RawArbiterConfig } from '../../../engine/config/arbiter-config';
import type { ArbiterEvent, DiagnosticResult } from '../../../engine/core/events';
import { IdlePathDiagnosis } from '../../../engine/health/idle-path-diagnosis';

const HOUR = 3_600_000;
const virtual = (address: string, initial: string) => ({ adapter: 'virtual', address, options: { initial } });

/** The fire path (a life rule on the lock), security's window (property) and a light only comfort touches. */
const HOME = {
  actuators: [
    { id: 'front.lock', kind: 'lock', initial: 'locked', device: virtual('front door', 'locked') },
    { id: 'living.window', kind: 'window', initial: 'closed', device: virtual('living window', 'closed') },
    { id: 'hall.light', kind: 'light', initial: 'off', device: virtual('hall light', 'off') },
  ],
  systems: [
    { id: 'comfort', category: 'comfort', targets: ['hall.light'] },
    { id: 'security', category: 'property', targets: ['living.window'] },
  ],
  facts: [{ name: 'smoke', initial: false }],
  policies: [
    { name: 'fire-evacuation', conditions: { all: [{ fact: 'smoke', operator: 'equal', value: true }] }, event: { type: 'assert', params: { target: 'front.lock', state: 'unlocked', category: 'life' } } },
  ],
} as RawArbiterConfig;

describe('engine/health: periodic diagnosis of idle life and property paths, in virtual time', () => {
  let clock: VirtualClock;
  let adapter: VirtualAdapter;
  let router: DeviceRouter;
  let arbiter: Arbiter;
  let diagnosis: IdlePathDiagnosis;
  let events: ArbiterEvent[];

  beforeEach(async () => {
    clock = new VirtualClock(0);
    adapter = new VirtualAdapter({ clock, latency: '100ms', timeout: '3s' });
    router = new DeviceRouter([adapter], deviceBindings(HOME), { clock });
    arbiter = new Arbiter({ config: buildCoreConfig(HOME), clock, devices: router });
    events = [];
    arbiter.events$.subscribe((e) => events.push(e));
    await router.start(arbiter);
    await arbiter.start();
    diagnosis = new IdlePathDiagnosis(arbiter, (t) => router.read(t), clock, HOUR);
    diagnosis.start();
  });

  afterEach(async () => {
    diagnosis.stop();
    await router.stop();
    await arbiter.stop();
  });

  const advance = async (ms: number) => {
    await clock.advanceTo(clock.now() + ms, () => arbiter.settled());
    await diagnosis.idle();
  };
  const results = () => events.flatMap((e) => (e.type === 'diagnostics' ? e.results : [])) as DiagnosticResult[];

  it('reads back every hour each actuator a life or property claim can reach, never actuating it', async () => {
    assert.deepEqual(diagnosis.paths, ['front.lock', 'living.window']);
    await advance(HOUR - 1);
    assert.deepEqual(results(), []);
    await advance(1000);
    assert.deepEqual(results().map((r) => [r.subject, r.outcome, r.ok]), [['actuator:front.lock', 'match', true], ['actuator:living.window', 'match', true]]);
    assert.deepEqual(events.filter((e) => e.type === 'dispatched'), [], 'a read-back dispatches nothing');
    await advance(HOUR);
    assert.equal(results().length, 4, 'again an hour later');
  });

  it('takes a difference for a change by hand (manual), and no answer for a degraded path', async () => {
    // Someone unlocks the door while the device's announcements are lost; the window stops answering.
    adapter.inject('front.lock', 'unreachable');
    adapter.press('front.lock', 'unlocked');
    adapter.heal('front.lock');
    adapter.inject('living.window', 'timeout');
    await advance(HOUR + 5000);
    const byTarget = Object.fromEntries(results().map((r) => [r.subject, r]));
    assert.equal(byTarget['actuator:front.lock']?.outcome, 'manual');
    assert.match(byTarget['actuator:front.lock']!.message, /reads unlocked, the engine held locked/);
    assert.ok(events.some((e) => e.type === 'manual' && e.target === 'front.lock' && e.state === 'unlocked'), 'the engine took the read as a manual change');
    assert.equal(byTarget['actuator:living.window']?.outcome, 'degraded');
    assert.ok(events.some((e) => e.type === 'degraded' && e.target === 'living.window'));
  });

  it('leaves an actuator with a dispatch in flight for the next run: it is not idle, and the device is on its way', async () => {
    adapter.slowDown('living.window', 2 * HOUR);
    await arbiter.command({ system: 'security', target: 'living.window', state: 'open' });
    await advance(HOUR + 1000);
    assert.deepEqual(results().map((r) => r.subject), ['actuator:front.lock']);
    assert.deepEqual(events.filter((e) => e.type === 'manual'), [], 'nothing was taken for a hand');
  });
});
