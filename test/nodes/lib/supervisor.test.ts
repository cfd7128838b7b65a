import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCoreConfig } from '../../../engine';
import type { Node, NodeStatus } from '../../../nodes/lib/node-red';
import { Supervisor } from '../../../nodes/lib/supervisor';

/** A stand-in for a Node-RED node: the Supervisor only badges, logs and reads id and name. */
function fakeNode(id: string): Node & { statuses: NodeStatus[]; errors: unknown[] } {
  const statuses: NodeStatus[] = [];
  const errors: unknown[] = [];
  return {
    id,
    type: 'fake',
    statuses,
    errors,
    on() {},
    send() {},
    status: (s: NodeStatus) => statuses.push(s),
    log() {},
    debug() {},
    warn() {},
    error: (e: unknown) => errors.push(e),
  } as Node & { statuses: NodeStatus[]; errors: unknown[] };
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
