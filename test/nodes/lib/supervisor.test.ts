import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCoreConfig, VirtualClock } from '../../../engine';
import type { DiagnosticResult } from '../../../engine/core/events';
import type { Node, NodeStatus } from '../../../nodes/lib/node-red';
import { Supervisor } from '../../../nodes/lib/supervisor';

/** A stand-in for a Node-RED node: the Supervisor only badges, logs and reads id and name. */
function fakeNode(id: string): Node & { statuses: NodeStatus[]; errors: unknown[]; warnings: unknown[] } {
  const statuses: NodeStatus[] = [];
  const errors: unknown[] = [];
  const warnings: unknown[] = [];
  return {
    id,
    type: 'fake',
    statuses,
    errors,
    warnings,
    on() {},
    send() {},
    receive() {},
    status: (s: NodeStatus) => statuses.push(s),
    context: () => ({ get: () => undefined, set() {} }),
    log() {},
    debug() {},
    warn: (w: unknown) => warnings.push(w),
    error: (e: unknown) => errors.push(e),
  } as Node & { statuses: NodeStatus[]; errors: unknown[]; warnings: unknown[] };
}

/** Virtual time, a wall clock the test can step against it, and a count of the timers still to fire. */
class SteppedClock extends VirtualClock {
  wallAhead = 0;
  looks = 0;
  pending = 0;

  drift(): number {
    this.looks++;
    return this.wallAhead;
  }

  override schedule(at: number, callback: () => void): () => void {
    this.pending++;
    let live = true;
    const end = () => live && ((live = false), this.pending--);
    const cancel = super.schedule(at, () => (end(), callback()));
    return () => (end(), cancel());
  }
}

const translate = (key: string) => key.replace(/^.*:status\./, '');
const config = buildCoreConfig({ actuators: [{ id: 'living.window', kind: 'window', initial: 'closed' }], systems: [{ id: 'vent', category: 'comfort' }] });

describe('Supervisor', function () {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'home-arbiter-supervisor-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('holds inputs that arrive before the flows have started until the engine runs', async () => {
    const supervisor = new Supervisor(fakeNode('sup'), translate, { config, storeFile: join(dir, 'a.sqlite') });
    const client = fakeNode('client');
    supervisor.register({ node: client, connect: () => undefined });
    const ready = supervisor.ready().then((arbiter) => arbiter.command({ system: 'vent', target: 'living.window', state: 'open' }));
    supervisor.start();
    assert.deepEqual(await ready, { outcome: 'accepted' });
    assert.deepEqual(client.statuses.map((s) => s.text), ['starting', 'ready']);
    await supervisor.stop();
    await supervisor.stop();
    assert.deepEqual(client.statuses.map((s) => s.text), ['starting', 'ready', 'closed'], 'a second stop does nothing');
  });

  it('tells waiting inputs when it closes before it started', async () => {
    const supervisor = new Supervisor(fakeNode('sup'), translate, { config, storeFile: join(dir, 'b.sqlite') });
    const waiting = supervisor.ready();
    await supervisor.stop();
    await assert.rejects(waiting, /arbiter-supervisor "sup": closed before it started/);
  });

  it('connects clients that register after the start at once, and keeps a failing client from the others', async () => {
    const supervisor = new Supervisor(fakeNode('sup'), translate, { config, storeFile: join(dir, 'c.sqlite') });
    supervisor.start();
    await supervisor.ready();
    const faulty = fakeNode('faulty');
    const fine = fakeNode('fine');
    supervisor.register({ node: faulty, connect: () => { throw new Error('boom'); } });
    supervisor.register({ node: fine, connect: () => undefined });
    assert.deepEqual(faulty.statuses.map((s) => s.text), ['ready', 'failed']);
    assert.match(String(faulty.errors[0]), /cannot connect to arbiter-supervisor "sup": boom/);
    assert.deepEqual(fine.statuses.map((s) => s.text), ['ready']);
    await supervisor.stop();
  });

  it('refuses a configuration in which the static check finds an error, naming the rules and actuators', async () => {
    const looping = buildCoreConfig({
      actuators: [
        { id: 'vent', kind: 'valve', initial: 'closed', default: 'closed' },
        { id: 'fan', kind: 'switch', initial: 'off', default: 'off' },
      ],
      policies: [
        { name: 'vent-follows-fan', conditions: { all: [{ fact: 'actuator:fan', operator: 'equal', value: 'off' }] }, event: { type: 'assert', params: { target: 'vent', state: 'open', category: 'comfort' } } },
        { name: 'fan-against-vent', conditions: { all: [{ fact: 'actuator:vent', operator: 'equal', value: 'open' }] }, event: { type: 'assert', params: { target: 'fan', state: 'on', category: 'comfort' } } },
      ],
    });
    const node = fakeNode('sup');
    const supervisor = new Supervisor(node, translate, { config: looping, storeFile: join(dir, 'd.sqlite') });
    const client = fakeNode('client');
    supervisor.register({ node: client, connect: () => undefined });
    supervisor.start();
    await assert.rejects(supervisor.ready(), /arbiter-supervisor "sup": home-arbiter check refuses the configuration:\n {2}loop on fan, vent \(rules fan-against-vent, vent-follows-fan\): rules fan-against-vent and vent-follows-fan chase each other/);
    assert.deepEqual(client.statuses.map((s) => s.text), ['starting', 'invalid']);
    assert.match(String(node.errors[0]), /loop on fan, vent/);
    assert.match(supervisor.problem ?? '', /check refuses the configuration/);
    assert.deepEqual(readdirSync(dir), [], 'no store was opened');
    await supervisor.stop();
  });

  it('logs each warning of the static check, naming the rule and actuator, and badges the count on every client', async () => {
    const overridden = buildCoreConfig({
      actuators: [{ id: 'front.lock', kind: 'lock', initial: 'locked' }],
      systems: [{ id: 'security', category: 'property' }],
    });
    const node = fakeNode('sup');
    const supervisor = new Supervisor(node, translate, { config: overridden, storeFile: join(dir, 'e.sqlite') });
    const client = fakeNode('client');
    supervisor.register({ node: client, connect: () => undefined });
    supervisor.start();
    await supervisor.ready();
    assert.deepEqual(node.warnings, [
      "home-arbiter check: manual-overridden on front.lock: a person's change by hand on front.lock is recorded at comfort, below security (property), which can revert it at once",
    ]);
    assert.deepEqual(client.statuses.map((s) => s.text), ['starting', 'ready', 'checked']);
    assert.equal(client.statuses[2].fill, 'yellow');
    await supervisor.stop();
  });

  it('reports a step of the wall clock as a warning and as a clock finding on the engine\'s stream, checked on the engine\'s clock', async () => {
    let clock!: SteppedClock;
    const node = fakeNode('sup');
    const supervisor = new Supervisor(node, translate, { config, storeFile: join(dir, 'f.sqlite') }, { clock: (mark) => (clock = new SteppedClock(mark)) });
    const findings: DiagnosticResult[] = [];
    supervisor.register({ node: fakeNode('events'), connect: (arbiter) => arbiter.events$.subscribe((e) => e.type === 'diagnostics' && findings.push(...e.results)) });
    supervisor.start();
    await supervisor.ready();
    clock.wallAhead = 1000; // NTP slewing: under the threshold
    await clock.advanceTo(clock.now() + 5000);
    assert.equal(findings.length, 0, 'a slow drift is no step');
    clock.wallAhead = 3_601_000; // someone sets the clock an hour ahead
    await clock.advanceTo(clock.now() + 5000);
    assert.deepEqual(findings.map((f) => [f.subject, f.ok]), [['clock', false]]);
    assert.match(findings[0].message, /^clock-jump: the wall clock stepped 1h ahead and is now 1h1s ahead of the engine's time/);
    assert.deepEqual(node.warnings, [findings[0].message]);
    await supervisor.stop();
  });

  it('stops its monitors when it closes: no timer left on the engine\'s clock, no look at the wall clock after', async () => {
    let clock!: SteppedClock;
    const node = fakeNode('sup');
    const supervisor = new Supervisor(node, translate, { config, storeFile: join(dir, 'g.sqlite') }, { clock: (mark) => (clock = new SteppedClock(mark)), trendsEvery: 1000 });
    supervisor.start();
    await supervisor.ready();
    const before = clock.looks;
    await clock.advanceTo(clock.now() + 5000);
    assert.ok(clock.looks > before, 'the wall clock is watched while the engine runs');
    await supervisor.stop();
    assert.equal(clock.pending, 0, 'every timer on the engine\'s clock is cancelled: the trend sampler\'s, the clock check\'s, the engine\'s');
    const looks = clock.looks;
    clock.wallAhead = 3_600_000;
    await clock.advanceTo(clock.now() + 60_000);
    assert.equal(clock.looks, looks, 'no look at the wall clock after the close');
    assert.deepEqual(node.warnings, []);
  });

  it("raises clock-behind when the wall clock is behind the store's high-water mark at start, as serve does", async () => {
    const DAY = 86_400_000;
    const storeFile = join(dir, 'h.sqlite');
    // A first deploy whose clock ran a day ahead (a wrong manual setting, since corrected): the store's mark with it.
    const ahead = new Supervisor(fakeNode('sup'), translate, { config, storeFile }, { clock: () => new SteppedClock(Date.now() + DAY) });
    ahead.start();
    await (await ahead.ready()).command({ system: 'vent', target: 'living.window', state: 'open' });
    await ahead.stop();

    const node = fakeNode('sup');
    const supervisor = new Supervisor(node, translate, { config, storeFile });
    const heard: { type: string; kind?: string; message?: string; results?: readonly DiagnosticResult[] }[] = [];
    supervisor.register({ node: fakeNode('events'), connect: (arbiter) => arbiter.events$.subscribe((e) => (e.type === 'alarm' || e.type === 'diagnostics') && heard.push(e)) });
    supervisor.start();
    await supervisor.ready();
    const alarm = heard.find((e) => e.type === 'alarm');
    assert.equal(alarm?.kind, 'clock-behind');
    assert.match(alarm!.message!, /^clock-behind: the wall clock \(.*\) is (23h59m5\ds|1d) behind the store's high-water mark \(.*\); leases and staleness are measured from the mark, never extended; set the clock right \(time /);
    assert.deepEqual(heard.find((e) => e.type === 'diagnostics')?.results, [{ subject: 'clock', ok: false, message: alarm!.message }]);
    assert.deepEqual(node.warnings, [alarm!.message]);
    await supervisor.stop();
  });

  it('reports an invalid configuration once started, and rejects inputs with it', async () => {
    const node = fakeNode('sup');
    const supervisor = new Supervisor(node, translate, { problem: 'actuators[0].kind: is required' });
    const client = fakeNode('client');
    supervisor.register({ node: client, connect: () => undefined });
    supervisor.start();
    assert.deepEqual(node.errors, ['actuators[0].kind: is required']);
    assert.deepEqual(client.statuses.map((s) => s.text), ['invalid']);
    await assert.rejects(supervisor.ready(), /actuators\[0\]\.kind: is required/);
    await supervisor.stop();
  });
});
