import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sinon from 'sinon';
import { Arbiter, ofType, type ActuatorView } from '../../engine/arbiter';
import { RealClock } from '../../engine/clock';
import type { ArbiterEvent } from '../../engine/core/events';
import { MemoryStore } from '../../engine/store/memory-store';
import { SqliteStore } from '../../engine/store/sqlite-store';
import { ofKind, startArbiter, uc4Config } from '../support/fixtures';

describe('Arbiter (the rxjs shell)', () => {
  it('tells a plugin whether its command was accepted, deferred or denied', async () => {
    const { arbiter } = await startArbiter(uc4Config());
    const vent = arbiter.registerSystem({ id: 'vent-plugin', category: 'comfort', targets: ['kind:window'] });
    const security = arbiter.registerSystem({ id: 'alarm-plugin', category: 'property' });
    assert.deepEqual(await vent.command('living.window', 'open'), { outcome: 'accepted' });
    assert.deepEqual(await security.command('living.window', 'closed'), { outcome: 'accepted' });
    assert.deepEqual(await vent.command('living.window', 'open'), { outcome: 'deferred', winner: 'alarm-plugin' });
    assert.deepEqual(await vent.command('front.lock', 'unlocked'), { outcome: 'denied', reason: 'unauthorized' });
    await security.release('living.window');
    assert.equal(arbiter.view('living.window')?.owner, 'vent-plugin');
    await arbiter.stop();
  });

  it('removes an unregistered system with its claims, and denies it afterwards', async () => {
    const { arbiter, events } = await startArbiter(uc4Config());
    const plugin = arbiter.registerSystem({ id: 'night-mode', category: 'property' });
    await plugin.command('front.lock', 'unlocked');
    await arbiter.unregisterSystem('night-mode');
    assert.equal(arbiter.view('front.lock')?.owner, null);
    assert.deepEqual(ofKind(events, 'released').map((e) => [e.system, e.reason]), [['night-mode', 'unregistered']]);
    assert.deepEqual(await plugin.command('front.lock', 'locked'), { outcome: 'denied', reason: 'unknown-system' });
    await arbiter.stop();
  });

  it('explains who wins and why every other claim loses', async () => {
    const { arbiter } = await startArbiter(uc4Config());
    await arbiter.command({ system: 'comfort-vent', target: 'living.window', state: 'open' });
    await arbiter.command({ system: 'security', target: 'living.window', state: 'closed' });
    const explanation = arbiter.explain('living.window')!;
    assert.equal(explanation.winner, 'security');
    const byClaimant = Object.fromEntries(explanation.claims.map((c) => [c.claimant, c]));
    assert.equal(byClaimant.security.verdict, 'winner');
    assert.equal(byClaimant['comfort-vent'].verdict, 'deferred');
    assert.match(byClaimant['comfort-vent'].reason, /comfort is below property/);
    assert.equal(arbiter.explain('no.such'), undefined);
    await arbiter.stop();
  });

  it('streams an actuator view on every change', async () => {
    const { arbiter } = await startArbiter(uc4Config());
    const seen: ActuatorView[] = [];
    arbiter.actuator$('front.lock').subscribe((v) => seen.push(v));
    await arbiter.command({ system: 'disaster', target: 'front.lock', state: 'unlocked' });
    arbiter.setAvailability('front.lock', false);
    assert.deepEqual(
      seen.map((v) => [v.state, v.owner, v.available]),
      [
        ['locked', null, true],
        ['unlocked', 'disaster', true],
        ['unlocked', 'disaster', false],
      ],
    );
    assert.throws(() => arbiter.actuator$('no.such'), /unknown actuator "no.such"/);
    await arbiter.stop();
  });

  it('filters the event stream by type', async () => {
    const { arbiter } = await startArbiter(uc4Config());
    const conflicts: ArbiterEvent[] = [];
    arbiter.events$.pipe(ofType('conflict')).subscribe((e) => conflicts.push(e));
    await arbiter.command({ system: 'comfort-vent', target: 'living.window', state: 'open' });
    await arbiter.command({ system: 'security', target: 'living.window', state: 'closed' });
    assert.deepEqual(conflicts.map((e) => e.type), ['conflict']);
    await arbiter.stop();
  });

  it('marks a device unreachable when it refuses a dispatch, and retries when it is back', async () => {
    const applied: string[] = [];
    let refuse = true;
    const arbiter = new Arbiter({
      config: uc4Config(),
      devices: {
        apply: async (target, state) => {
          applied.push(`${target}=${state}`);
          if (refuse) throw new Error('no answer within 3s');
        },
      },
    });
    const events: ArbiterEvent[] = [];
    arbiter.events$.subscribe((e) => events.push(e));
    await arbiter.start();
    await arbiter.command({ system: 'security', target: 'front.lock', state: 'unlocked' });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(ofKind(events, 'degraded').map((e) => [e.target, e.reason]), [['front.lock', 'no answer within 3s']]);
    assert.equal(arbiter.view('front.lock')?.state, 'locked');
    refuse = false;
    arbiter.setAvailability('front.lock', true);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(applied, ['front.lock=unlocked', 'front.lock=unlocked']);
    assert.equal(arbiter.view('front.lock')?.state, 'unlocked');
    await arbiter.stop();
  });

  it('takes reports during a dispatch as its progress, and reports after it as manual changes', async () => {
    let finish!: () => void;
    const arbiter = new Arbiter({ config: uc4Config(), devices: { apply: () => new Promise<void>((resolve) => (finish = resolve)) } });
    const events: ArbiterEvent[] = [];
    arbiter.events$.subscribe((e) => events.push(e));
    await arbiter.start();
    await arbiter.command({ system: 'comfort-vent', target: 'living.window', state: 'open' });
    arbiter.report('living.window', 'closed');
    assert.equal(ofKind(events, 'manual').length, 0);
    finish();
    await new Promise((r) => setImmediate(r));
    assert.equal(arbiter.view('living.window')?.state, 'open');
    arbiter.report('living.window', 'closed');
    assert.deepEqual(ofKind(events, 'manual').map((e) => e.state), ['closed']);
    assert.equal(arbiter.view('living.window')?.owner, 'manual');
    await arbiter.stop();
  });

  it('takes a late answer to a dispatch that timed out as its confirmation, not as a manual change', async () => {
    const arbiter = new Arbiter({ config: uc4Config(), devices: { apply: () => Promise.reject(new Error('TIMEOUT')) } });
    const events: ArbiterEvent[] = [];
    arbiter.events$.subscribe((e) => events.push(e));
    await arbiter.start();
    await arbiter.command({ system: 'security', target: 'front.lock', state: 'unlocked' });
    await new Promise((r) => setImmediate(r));
    assert.equal(arbiter.view('front.lock')?.available, false);
    arbiter.report('front.lock', 'unlocked');
    assert.equal(arbiter.view('front.lock')?.state, 'unlocked');
    assert.deepEqual(ofKind(events, 'manual'), []);
    arbiter.report('front.lock', 'locked');
    assert.deepEqual(ofKind(events, 'manual').map((e) => e.state), ['locked']);
    await arbiter.stop();
  });

  it('expires a lease in real time (fake timers)', async () => {
    const clock = sinon.useFakeTimers({ now: 1_700_000_000_000, toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    try {
      const arbiter = new Arbiter({ config: uc4Config(), clock: new RealClock() });
      const events: ArbiterEvent[] = [];
      arbiter.events$.subscribe((e) => events.push(e));
      await arbiter.start();
      await arbiter.command({ system: 'comfort-vent', target: 'hall.light', state: 'on', ttl: 5_000 });
      assert.equal(arbiter.view('hall.light')?.state, 'on');
      await clock.tickAsync(4_999);
      assert.equal(ofKind(events, 'expired').length, 0);
      await clock.tickAsync(1);
      assert.deepEqual(ofKind(events, 'expired').map((e) => e.system), ['comfort-vent']);
      assert.equal(arbiter.view('hall.light')?.state, 'off');
      await arbiter.stop();
    } finally {
      clock.restore();
    }
  });

  it('acknowledges a command only once it is in the store, and restores it after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-test-'));
    try {
      const file = join(dir, 'store.sqlite');
      const first = new Arbiter({ config: uc4Config(), store: new SqliteStore(file) });
      await first.start();
      const acknowledged = first.command({ system: 'security', target: 'front.lock', state: 'unlocked', ttl: 3_600_000 });
      const peek = new SqliteStore(file);
      assert.equal(peek.load().claims.length, 0, 'nothing is durable before the group commit');
      await acknowledged;
      assert.equal(peek.load().claims.length, 1, 'the claim is durable once acknowledged');
      peek.close();
      await first.stop();
      await first.stop();

      const second = new Arbiter({ config: uc4Config(), store: new SqliteStore(file) });
      const events: ArbiterEvent[] = [];
      second.events$.subscribe((e) => events.push(e));
      await second.start();
      assert.equal(second.view('front.lock')?.owner, 'security');
      assert.equal(second.view('front.lock')?.state, 'unlocked');
      assert.equal(ofKind(events, 'dispatched').length, 0, 'nothing is dispatched where desired equals the stored state');
      await second.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with `reassert`, dispatches at start every desired state the devices are said to have, but to no unreachable device, and only life during a stop', async () => {
    const row = (id: string, state: string, available = true, winner: string | null = null) => ({ id, state, desired: state, winner, available, lastChangeAt: null });
    const life = { claimant: 'disaster', target: 'living.window', state: 'open', category: 'life' as const, rank: 0, manual: false, since: 0, expiresAt: null, seq: 0 };
    const dispatchedAtStart = async (stopped: boolean, reassert: boolean) => {
      const store = new MemoryStore();
      store.write({
        claimsPut: [life],
        claimsDeleted: [],
        actuators: [row('living.window', 'open', true, 'disaster'), row('front.lock', 'locked', false), row('hall.light', 'off')],
        facts: [],
        meta: { quarantined: [], lockedTargets: [], lockedSystems: [], stopped, holding: [] },
      });
      const applied: string[] = [];
      const arbiter = new Arbiter({ config: uc4Config(), store, reassert, devices: { apply: (target, state) => void applied.push(`${target}=${state}`) } });
      await arbiter.start();
      await arbiter.stop();
      return applied;
    };
    assert.deepEqual(await dispatchedAtStart(false, false), [], 'nothing differs from the stored states');
    assert.deepEqual(await dispatchedAtStart(false, true), ['living.window=open', 'hall.light=off']);
    assert.deepEqual(await dispatchedAtStart(true, true), ['living.window=open']);
  });

  it('releases its store when stopped without having started', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-test-'));
    try {
      const store = new SqliteStore(join(dir, 'store.sqlite'));
      await new Arbiter({ config: uc4Config(), store }).stop();
      assert.equal(store.db.open, false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses input once stopped, naming the operation', async () => {
    const { arbiter } = await startArbiter(uc4Config());
    await arbiter.stop();
    await assert.rejects(arbiter.command({ system: 'security', target: 'front.lock', state: 'locked' }), /command: the arbiter is not running/);
  });
});
