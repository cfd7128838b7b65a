import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { buildCoreConfig } from '../../engine/config/arbiter-config';
import { SqliteStore } from '../../engine/store/sqlite-store';
import { ofKind, startArbiter } from '../support/fixtures';

/** SPEC.md §9: what a restart restores is checked against the configuration it starts with. */
describe('restore validation through the real SQLite store', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'restore-validation-'));
    file = join(dir, 'arbiter.sqlite');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const home = (systems: Record<string, unknown>[]) =>
    buildCoreConfig({
      actuators: [
        { id: 'office.setpoint', kind: 'setpoint', range: [16, 30], initial: 22 },
        { id: 'front.lock', kind: 'lock', initial: 'locked', safe: 'locked' },
        { id: 'living.window', kind: 'window', initial: 'closed' },
      ],
      systems,
    });
  const systems = [
    { id: 'climate', category: 'comfort' },
    { id: 'security', category: 'property' },
    { id: 'intruder-plugin', category: 'life' },
  ];

  /** Runs a first life of the home, then lets `tamper` edit the file as an attacker or a bad upgrade would. */
  async function firstLife(tamper: (db: Database.Database) => void) {
    const { arbiter } = await startArbiter(home(systems), { store: new SqliteStore(file) });
    await arbiter.command({ system: 'climate', target: 'office.setpoint', state: 21 });
    await arbiter.command({ system: 'security', target: 'living.window', state: 'closed' });
    await arbiter.command({ system: 'intruder-plugin', target: 'front.lock', state: 'unlocked' });
    await arbiter.operator('lock', { system: 'intruder-plugin' });
    await arbiter.operator('lock', { target: 'living.window' });
    await arbiter.stop();
    const db = new Database(file);
    tamper(db);
    db.close();
  }

  const claimRows = () => {
    const db = new Database(file, { readonly: true });
    const rows = db.prepare('SELECT target, claimant, state, category FROM claims ORDER BY target').all();
    db.close();
    return rows;
  };

  it('drops a claim whose state is not a state of its actuator and never dispatches it', async () => {
    await firstLife((db) => db.prepare(`UPDATE claims SET state = '"banana"' WHERE claimant = 'climate'`).run());
    const { arbiter, events } = await startArbiter(home(systems), { store: new SqliteStore(file) });
    assert.deepEqual(ofKind(events, 'released'), [{ type: 'released', at: 0, system: 'climate', target: 'office.setpoint', reason: 'invalid-on-restore', item: 'claim' }]);
    assert.deepEqual(ofKind(events, 'dispatched'), []);
    assert.equal(arbiter.view('office.setpoint')!.owner, null);
    await arbiter.stop();
    assert.ok(!claimRows().some((r: any) => r.claimant === 'climate'), 'the row is gone from the store too');
  });

  it('drops a claim whose category is not one of the four, or above its system\'s', async () => {
    await firstLife((db) => {
      db.prepare(`UPDATE claims SET category = 'god' WHERE claimant = 'climate'`).run();
      db.prepare(`UPDATE claims SET category = 'life' WHERE claimant = 'security'`).run();
    });
    const { arbiter, events } = await startArbiter(home(systems), { store: new SqliteStore(file) });
    assert.deepEqual(
      ofKind(events, 'released').map((e) => [e.system, e.target, e.reason]).sort(),
      [['climate', 'office.setpoint', 'invalid-on-restore'], ['security', 'living.window', 'invalid-on-restore']],
    );
    assert.equal(arbiter.view('living.window')!.owner, null);
    await arbiter.stop();
  });

  it('drops the claims, locks and quarantines of a system removed from the configuration, before anything is arbitrated', async () => {
    await firstLife((db) => {
      const meta = db.prepare(`SELECT value FROM meta WHERE key = 'quarantined'`).get() as { value: string } | undefined;
      assert.ok(meta, 'the store keeps quarantines in meta');
      db.prepare(`UPDATE meta SET value = ? WHERE key = 'quarantined'`).run(JSON.stringify(['intruder-plugin', 'ghost']));
    });
    const { arbiter, events } = await startArbiter(home(systems.filter((s) => s.id !== 'intruder-plugin')), { store: new SqliteStore(file) });
    const released = ofKind(events, 'released');
    assert.deepEqual(
      released.map((e) => [e.item, e.system ?? e.target]).sort(),
      [['claim', 'intruder-plugin'], ['lock', 'intruder-plugin'], ['quarantine', 'ghost'], ['quarantine', 'intruder-plugin']],
    );
    // Released before the restart's first arbitration: the lock is not unlocked, and no dispatch follows.
    const firstDispatch = events.findIndex((e) => e.type === 'dispatched');
    assert.ok(firstDispatch === -1 || firstDispatch > events.indexOf(released.at(-1)!));
    assert.equal(arbiter.view('front.lock')!.owner, null);
    assert.equal(arbiter.tables.isQuarantined('intruder-plugin'), false);
    // The lock on a configured target survives.
    assert.deepEqual(arbiter.tables.metaRow().lockedTargets, ['living.window']);
    await arbiter.stop();

    const again = await startArbiter(home(systems.filter((s) => s.id !== 'intruder-plugin')), { store: new SqliteStore(file) });
    assert.deepEqual(ofKind(again.events, 'released'), [], 'what was dropped was deleted from the store');
    await again.arbiter.stop();
  });

  it('drops a rule\'s claim that no longer matches the rule, and lets the rule claim afresh', async () => {
    const withRule = (state: string) =>
      buildCoreConfig({
        actuators: [{ id: 'living.window', kind: 'window', initial: 'closed' }],
        facts: [{ name: 'rain', initial: true }],
        policies: [{ name: 'rain', conditions: { all: [{ fact: 'rain', operator: 'equal', value: true }] }, event: { type: 'assert', params: { target: 'living.window', state, category: 'property' } } }],
      });
    const first = await startArbiter(withRule('open'), { store: new SqliteStore(file) });
    assert.equal(first.arbiter.view('living.window')!.owner, 'policy:rain');
    await first.arbiter.stop();
    const { arbiter, events } = await startArbiter(withRule('closed'), { store: new SqliteStore(file) });
    assert.deepEqual(ofKind(events, 'released').map((e) => [e.system, e.reason]), [['policy:rain', 'invalid-on-restore']]);
    assert.deepEqual(ofKind(events, 'claimed').map((e) => [e.claimant, e.state]), [['policy:rain', 'closed']]);
    assert.equal(arbiter.view('living.window')!.desired, 'closed');
    await arbiter.stop();
  });
});
