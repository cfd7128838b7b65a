import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TempHome } from '../server/server-fixture';
import { ServerProcess } from '../server/server-process';
import { NodeRedHarness } from './support/node-red-harness';
import { actuator, catchAll, helpers, supervisor, SUPERVISOR, system } from './support/flows';

const WINDOW = { id: 'living.window', kind: 'window', initial: 'closed', safe: 'closed' };

describe('arbiter-supervisor', function () {
  const h = new NodeRedHarness();
  before(() => h.startServer());
  after(() => h.stopServer());
  beforeEach(() => h.newUserDir());
  afterEach(() => h.unload());

  const flow = () => [supervisor({ actuators: [WINDOW] }), system('security', 'property'), actuator('living.window', 'window'), ...helpers('outcomes', 'dispatches'), ...catchAll()];

  it('keeps its claims in a SQLite file in the user directory, named after the node, across a full redeploy', async () => {
    await h.load(flow());
    await h.send('sys-security', { payload: { target: 'living.window', state: 'open' } }, 'dispatches');
    assert.deepEqual(h.statuses('sys-security').slice(0, 2).map((s) => s.text), ['starting', 'ready'], 'the supervisor pushes its lifecycle to its clients');
    assert.ok(existsSync(join(h.userDir, `home-arbiter-${SUPERVISOR}.sqlite`)), 'the store file exists');

    await h.redeploy(flow());
    await h.statusMatching('window', (s) => s.text === 'security: open', 'the restored owner');
    const arbiter = await h.node(SUPERVISOR).supervisor!.ready();
    assert.deepEqual(
      arbiter.tables.claimsOn('living.window').map((c) => [c.claimant, c.state]),
      [['security', 'open']],
    );
    assert.equal(h.messages('dispatches').length, 1, 'nothing is dispatched again where the stored state is the desired one');
  });

  it('keeps its engine running through a modified-nodes deploy, in which a changed system node registers its new spec', async () => {
    await h.load(flow());
    const before = await h.node(SUPERVISOR).supervisor!.ready();
    await h.send('sys-security', { payload: { target: 'living.window', state: 'open' } }, 'dispatches');
    await h.redeploy(flow().map((n) => (n.id === 'sys-security' ? { ...n, rank: 5 } : n)), 'nodes');
    const after = await h.node(SUPERVISOR).supervisor!.ready();
    assert.equal(after, before, 'the same engine');
    assert.equal(after.tables.system('security')?.rank, 5);
    await h.send('sys-security', { payload: { target: 'living.window', state: 'closed' } }, 'dispatches', 2);
    assert.deepEqual(h.messages('dispatches').map((m) => m.payload), ['open', 'closed']);
    assert.equal(after.tables.claim('security', 'living.window')?.rank, 5);
  });

  it('says which field is wrong and leaves its client nodes without an input handler', async () => {
    await h.load([supervisor({ actuators: [{ id: 'living.window', kind: 'gizmo' }] }), system('security', 'property'), actuator('living.window', 'window'), ...helpers('outcomes', 'dispatches')]);
    const status = await h.statusMatching('sys-security', (s) => s.text === 'invalid configuration', 'invalid badge');
    assert.equal(status.fill, 'red');
    const problem = h.node(SUPERVISOR).supervisor!.problem;
    assert.match(problem ?? '', /actuators\[0\]\.states: is required for kind "gizmo"/);
    for (const id of ['sys-security', 'window']) {
      const node = h.node(id) as unknown as { _inputCallback?: unknown; _inputCallbacks?: unknown[] | null };
      assert.ok(!node._inputCallback && !node._inputCallbacks?.length, `${id} has no input handler`);
    }
    await assert.rejects(h.node(SUPERVISOR).supervisor!.ready(), /actuators\[0\]/);
  });

  it('names the arbiter-system node whose declaration is invalid', async () => {
    await h.load([supervisor({ actuators: [WINDOW] }), { ...system('security', 'safety'), name: 'Alarm panel' }, ...helpers('outcomes')]);
    assert.match(h.node(SUPERVISOR).supervisor!.problem ?? '', /arbiter-system "Alarm panel"\.category/);
  });

  it('refuses a fact writer whose category is below what the rules reading the fact can do (SPEC.md §6)', async () => {
    const fire = { name: 'fire', conditions: { all: [{ fact: 'smoke', operator: 'equal', value: true }] }, event: { type: 'assert', params: { target: 'living.window', state: 'open', category: 'life' } } };
    await h.load([supervisor({ actuators: [WINDOW], facts: [{ name: 'smoke', writers: ['vent'] }], policies: [fire] }), system('vent', 'comfort'), ...helpers('outcomes')]);
    assert.match(h.node(SUPERVISOR).supervisor!.problem ?? '', /facts\[0\]\.writers\[0\]: system "vent" has category comfort, below life, which rule "fire" asserts through fact "smoke"/);
  });

  it('reads YAML as well as JSON, and reports text that does not parse by its field, with the place', async () => {
    await h.load([{ ...supervisor({ actuators: [WINDOW] }), facts: '- { name: smoke, initial: false }' }, system('security', 'property'), ...helpers('outcomes')]);
    assert.deepEqual((await h.node(SUPERVISOR).supervisor!.ready()).tables.fact('smoke')?.value, false);
    await h.unload();
    h.newUserDir();
    await h.load([{ ...supervisor({ actuators: [WINDOW] }), facts: '[{"name": ' }, system('security', 'property'), ...helpers('outcomes')]);
    assert.match(h.node(SUPERVISOR).supervisor!.problem ?? '', /^arbiter-supervisor "home": facts: is not YAML or JSON: .* at line 1, column \d+/);
  });

  it('contains an engine that cannot start: its clients show it and their inputs fail with the reason', async () => {
    const unwritable = join(h.userDir, 'no such directory', 'arbiter.sqlite');
    await h.load([supervisor({ actuators: [WINDOW] }, { storeFile: unwritable }), system('security', 'property'), ...helpers('outcomes'), ...catchAll()]);
    assert.equal((await h.statusMatching('sys-security', (s) => s.text === 'engine failed', 'failed badge')).fill, 'red');
    h.node('sys-security').receive({ payload: { target: 'living.window', state: 'open' } });
    await h.until(() => h.messages('errors').length === 1, 'the error to be caught');
    assert.match((h.messages('errors')[0].error as { message: string }).message, /cannot start the arbiter on .*no such directory\/arbiter\.sqlite/);
    assert.equal(h.messages('outcomes').length, 0);
  });

  it('refuses to start a second engine on a store file another supervisor uses', async () => {
    const shared = { storeFile: 'shared.sqlite' };
    await h.load([
      supervisor({ actuators: [WINDOW] }, shared),
      { ...supervisor({ actuators: [WINDOW] }, shared), id: 'sup2', name: 'copy' },
      system('security', 'property'),
      { ...system('security', 'property'), id: 'sys-copy', supervisor: 'sup2' },
      ...helpers('outcomes'),
    ]);
    await h.statusMatching('sys-copy', (s) => s.text === 'engine failed', 'the copy fails');
    await assert.rejects(h.node('sup2').supervisor!.ready(), /shared\.sqlite: .*shared\.sqlite is in use by arbiter-supervisor "home" \(pid \d+ on .*\): stop it first/);
    await h.send('sys-security', { payload: { target: 'living.window', state: 'open' } }, 'outcomes');
    assert.equal((h.messages('outcomes')[0].payload as { outcome: string }).outcome, 'accepted', 'the first supervisor runs');
  });

  it('refuses to start on a store that a running serve holds, naming it, and the server keeps running', async function () {
    this.timeout(60_000);
    const home = await new TempHome().withSecrets();
    const server = new ServerProcess(['--config', home.configFile, '--port', '0']);
    try {
      await server.url;
      await h.load([supervisor({ actuators: [WINDOW] }, { storeFile: join(home.dir, 'home.sqlite') }), system('security', 'property'), ...helpers('outcomes')]);
      await h.statusMatching('sys-security', (s) => s.text === 'engine failed', 'the failed badge');
      await assert.rejects(h.node(SUPERVISOR).supervisor!.ready(), /home\.sqlite is in use by serve \(pid \d+ on .+\): stop it first/);
      assert.equal(server.child.exitCode, null);
    } finally {
      await server.terminate();
      home.remove();
    }
  });

  it('shows a client without a supervisor as such', async () => {
    await h.load([{ ...system('security', 'property'), supervisor: '' }, ...helpers('outcomes')]);
    assert.equal((await h.statusMatching('sys-security', (s) => s.text === 'no supervisor configured', 'no-supervisor badge')).fill, 'red');
  });
});
