import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NodeRedRuntime, REPO_ROOT } from './support/node-red-runtime';

type FlowNode = Record<string, unknown> & { id: string; type: string };
type ArbiterEvent = Record<string, unknown> & { type: string };

const example = (file: string): FlowNode[] => JSON.parse(readFileSync(join(REPO_ROOT, 'examples', 'node-red', file), 'utf8'));
const UC4 = example('uc4-window-lock.json');
const UC5 = example('uc5-alarm.json');
const ARBITER_TYPES = ['arbiter-supervisor', 'arbiter-system', 'arbiter-actuator', 'arbiter-context', 'arbiter-events', 'arbiter-operator'];

/** The node of an example flow with this name (injects) or this system id (system nodes). */
function find(flow: FlowNode[], key: string): FlowNode {
  const node = flow.find((n) => n.name === key || n.systemId === key || n.target === key);
  if (!node) throw new Error(`no node "${key}" in the example flow`);
  return node;
}
const supervisorOf = (flow: FlowNode[]) => flow.find((n) => n.type === 'arbiter-supervisor')!;

/**
 * A probe tab beside the examples: every event of both supervisors goes into global context, and
 * GET /probe/events/<revision> returns them; the revision tells a redeployed flow from the one before. Only core nodes, so the probe cannot share a bug with ours.
 */
function probe(revision: number): FlowNode[] {
  const z = 'f00dfeedf00d0001';
  const record = "const all = global.get('events') || []; all.push(msg.payload); global.set('events', all); return null;";
  return [
    { id: z, type: 'tab', label: 'probe' },
    ...[UC4, UC5].map((flow, i) => ({ id: `f00dfeedf00d001${i}`, type: 'arbiter-events', z, supervisor: supervisorOf(flow).id, types: [], x: 100, y: 100 + 50 * i, wires: [['f00dfeedf00d0020']] })),
    { id: 'f00dfeedf00d0020', type: 'function', z, name: 'record', func: record, outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], x: 300, y: 100, wires: [[]] },
    { id: 'f00dfeedf00d0030', type: 'http in', z, name: '', url: `/probe/events/${revision}`, method: 'get', upload: false, swaggerDoc: '', x: 100, y: 250, wires: [['f00dfeedf00d0031']] },
    { id: 'f00dfeedf00d0031', type: 'function', z, name: 'read', func: "msg.payload = global.get('events') || []; return msg;", outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], x: 300, y: 250, wires: [['f00dfeedf00d0032']] },
    { id: 'f00dfeedf00d0032', type: 'http response', z, name: '', statusCode: '', headers: {}, x: 500, y: 250, wires: [] },
  ];
}

describe('home-arbiter in a real Node-RED runtime', function () {
  this.timeout(120_000);
  const red = new NodeRedRuntime();
  before(() => red.start());
  after(() => red.stop());

  let revision = 0;
  const events = () => red.api<ArbiterEvent[]>('GET', `/probe/events/${revision}`);
  async function eventsUntil(predicate: (all: ArbiterEvent[]) => boolean, what: string): Promise<ArbiterEvent[]> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      let all: ArbiterEvent[] | undefined;
      try {
        all = await events();
      } catch (err) {
        // the probe endpoint is not there until the deployed flows have started; the deadline bounds the wait
        if (Date.now() > deadline) throw err;
      }
      if (all && predicate(all)) return all;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; events: ${JSON.stringify(all)}\n${red.log.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const inject = (flow: FlowNode[], name: string) => red.api('POST', `/inject/${find(flow, name).id}`);

  it('lists every arbiter node type, loaded from this package', async () => {
    const sets = await red.api<{ module: string; types: string[]; enabled: boolean; err?: string }[]>('GET', '/nodes');
    const ours = sets.filter((s) => s.module === 'home-arbiter');
    assert.deepEqual(ours.flatMap((s) => s.types).sort(), [...ARBITER_TYPES].sort(), red.log.slice(-2000));
    for (const set of ours) assert.ok(set.enabled && !set.err, `${set.types.join(',')}: ${set.err ?? 'disabled'}`);
  });

  it('offers the example flows under Import → Examples, and no folder without a flow', async () => {
    assert.deepEqual(await red.api('GET', '/library/examples/flows/home-arbiter'), ['node-red']);
    assert.deepEqual(await red.api('GET', '/library/examples/flows/home-arbiter/node-red'), [{ fn: 'uc4-window-lock' }, { fn: 'uc5-alarm' }]);
  });

  it('runs the example flows: the UC4 window conflict and the UC5 alarm, and keeps the claims across a redeploy', async () => {
    await red.deploy([...UC4, ...UC5, ...probe(++revision)]);
    await eventsUntil(() => true, 'the probe endpoint');

    await inject(UC4, 'ventilate: open window');
    await inject(UC4, 'night: close window');
    const uc4 = await eventsUntil((all) => all.some((e) => e.type === 'conflict' && e.target === 'living.window'), 'the UC4 conflict');
    const conflict = uc4.find((e) => e.type === 'conflict')!;
    assert.deepEqual([conflict.winner, conflict.loser, conflict.resolution], ['security', 'comfort-vent', 'priority']);
    assert.deepEqual(
      uc4.filter((e) => e.type === 'dispatched').map((e) => `${e.target}=${e.state}`),
      ['living.window=open', 'living.window=closed'],
    );

    await inject(UC5, 'power cap: AC off');
    for (let i = 0; i < 3; i++) await inject(UC5, 'robot line: AC on');
    const uc5 = await eventsUntil((all) => all.some((e) => e.type === 'alarm'), 'the UC5 alarm');
    const alarm = uc5.find((e) => e.type === 'alarm')!;
    assert.equal(alarm.kind, 'persistent-conflict');
    assert.deepEqual(alarm.systems, ['power-manager', 'robot-climate']);
    assert.equal(uc5.filter((e) => e.type === 'conflict' && e.target === 'factory.ac').length, 3);

    // A full redeploy closes every node (the supervisor stops its engine) and starts them again on the same store.
    assert.ok(existsSync(join(red.userDir, `home-arbiter-${supervisorOf(UC4).id}.sqlite`)), 'the store is in the user directory');
    await red.deploy([...UC4, ...UC5, ...probe(++revision)]);
    // Global context outlives a deploy: count what was there before.
    const before = (await eventsUntil(() => true, 'the redeployed probe')).length;
    await inject(UC4, 'ventilate: open window');
    const after = await eventsUntil((all) => all.slice(before).some((e) => e.type === 'conflict'), 'a conflict with the restored security claim');
    const restored = after.slice(before).find((e) => e.type === 'conflict')!;
    assert.deepEqual([restored.winner, restored.loser], ['security', 'comfort-vent'], 'security still holds the window after the redeploy');
    assert.ok(!after.slice(before).some((e) => e.type === 'dispatched'), 'nothing dispatched: the window stays closed');
  });
});
