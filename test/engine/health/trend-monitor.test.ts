import { strict as assert } from 'node:assert';
import { DeviceRouter } from '../../../adapters/device-router';
import { VirtualAdapter } from '../../../adapters/virtual';
import { Arbiter } from '../../../engine/arbiter';
import { VirtualClock } from '../../../engine/clock';
import { buildCoreConfig, deviceBindings, type RawArbiterConfig } from '../../../engine/config/arbiter-config';
import type { ArbiterEvent } from '../../../engine/core/events';
import { MeasuredDevices } from '../../../engine/health/measured-devices';
import { TrendMonitor, type TrendWarning } from '../../../engine/health/trend-monitor';

const HOME = {
  actuators: [{ id: 'living.window', kind: 'window', initial: 'closed', device: { adapter: 'virtual', address: 'living window', options: { initial: 'closed' } } }],
  systems: [{ id: 'security', category: 'property' }],
} as RawArbiterConfig;

describe('engine/health: trend warnings in virtual time (virtual adapter latency and failures)', () => {
  let clock: VirtualClock;
  let adapter: VirtualAdapter;
  let router: DeviceRouter;
  let arbiter: Arbiter;
  let warnings: ArbiterEvent[];

  beforeEach(async () => {
    clock = new VirtualClock(0);
    adapter = new VirtualAdapter({ clock, latency: '200ms', timeout: '3s' });
    router = new DeviceRouter([adapter], deviceBindings(HOME), { clock });
    const trends = new TrendMonitor((w) => arbiter.announce({ type: 'trend-warning', ...w }));
    arbiter = new Arbiter({ config: buildCoreConfig(HOME), clock, devices: new MeasuredDevices(router, clock, trends) });
    warnings = [];
    arbiter.events$.subscribe((e) => e.type === 'trend-warning' && warnings.push(e));
    await router.start(arbiter);
    await arbiter.start();
  });

  afterEach(async () => {
    await router.stop();
    await arbiter.stop();
  });

  /** The window sent open, then closed, `times` times; each dispatch carried out (or failed) before the next. */
  async function exercise(times: number, between: () => void = () => undefined): Promise<void> {
    for (let i = 0; i < times; i++) {
      for (const state of ['open', 'closed']) {
        between();
        await arbiter.command({ system: 'security', target: 'living.window', state });
        await clock.advanceTo(clock.now() + 5000, () => arbiter.settled());
      }
    }
  }

  const found = () => warnings.map((w) => w as Extract<ArbiterEvent, { type: 'trend-warning' }>).map(({ subject, measure, value, baseline }) => ({ subject, measure, value, baseline }));

  it('warns once when the dispatch latency drifts past twice its own baseline, before the device fails', async () => {
    await exercise(5);
    assert.equal(warnings.length, 0, 'steady at 200 ms: no warning');
    adapter.slowDown('living.window', 1500);
    await exercise(5);
    const [warning, ...more] = found();
    assert.deepEqual(more, []);
    assert.deepEqual([warning?.subject, warning?.measure, warning?.baseline], ['living.window', 'latency', 200]);
    assert.ok(warning!.value > 400, `value ${warning!.value} is past twice the baseline`);
  });

  it('warns when refusals pass a fifth of the recent dispatches', async () => {
    await exercise(3);
    let n = 0;
    await exercise(3, () => {
      // Every other command is refused; the device is healed before the next (the engine holds it unreachable).
      adapter.heal('living.window');
      if (n++ % 2 === 0) adapter.inject('living.window', 'refuse');
    });
    const refusal = found().find((w) => w.measure === 'refusal-rate');
    assert.ok(refusal, `a refusal-rate warning among ${JSON.stringify(found())}`);
    assert.equal(refusal.subject, 'living.window');
    assert.ok(refusal.value >= 0.2 && refusal.baseline < refusal.value);
  });

  it('warns on a low battery, a link quality falling to half its baseline, and a fault the device reports', () => {
    const seen: TrendWarning[] = [];
    const trends = new TrendMonitor((w) => seen.push(w));
    for (const lq of [200, 198, 202, 199, 201, 200, 90, 80, 70, 60, 50, 40]) trends.reading('front.lock', 'linkquality', lq);
    for (const battery of [80, 60, 40, 21, 20, 19]) trends.reading('front.lock', 'battery', battery);
    trends.reading('living.window', 'fault', 0);
    trends.reading('living.window', 'fault', 1);
    assert.deepEqual(seen.map((w) => [w.subject, w.measure]), [['front.lock', 'linkquality'], ['front.lock', 'battery'], ['living.window', 'fault']]);
    assert.deepEqual(seen[1], { subject: 'front.lock', measure: 'battery', value: 20, baseline: 80 });
  });

  it('warns about the server: little free disk for the store, memory doubled, the log growing three times faster', () => {
    const seen: TrendWarning[] = [];
    const trends = new TrendMonitor((w) => seen.push(w));
    const GB = 2 ** 30;
    let log = 0;
    for (let minute = 0; minute < 10; minute++) trends.server({ at: minute * 60_000, diskFree: 50 * GB, diskTotal: 100 * GB, memory: 100e6, logBytes: (log += 1000) });
    assert.equal(seen.length, 0);
    for (let minute = 10; minute < 20; minute++) trends.server({ at: minute * 60_000, diskFree: 4 * GB, diskTotal: 100 * GB, memory: 250e6, logBytes: (log += 10_000) });
    assert.deepEqual(seen.map((w) => [w.subject, w.measure]), [['store', 'disk-free'], ['server', 'memory'], ['log', 'growth']]);
  });
});
