import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import actuatorNode = require('../../../nodes/arbiter-actuator');
import contextNode = require('../../../nodes/arbiter-context');
import eventsNode = require('../../../nodes/arbiter-events');
import operatorNode = require('../../../nodes/arbiter-operator');
import supervisorNode = require('../../../nodes/arbiter-supervisor');
import systemNode = require('../../../nodes/arbiter-system');
import type { NodeAPI, NodeMessage, NodeStatus } from '../../../nodes/lib/node-red';

// Node-RED's own i18n, loaded with our catalogue: the test helper stubs RED._ with the identity, which would hide
// the status vocabulary's words and values.
const { i18n } = require('@node-red/util') as { i18n: { registerMessageCatalog(ns: string, dir: string, file: string): Promise<void>; _(key: string, params?: object): string } };

/** The part of node-red-node-test-helper (untyped) these tests use. */
interface TestHelper {
  init(runtimePath: string): void;
  settings(settings: Record<string, unknown>): void;
  startServer(cb: (err?: Error) => void): void;
  stopServer(cb: (err?: Error) => void): void;
  load(nodes: unknown, flow: unknown[]): Promise<void>;
  setFlows(flow: unknown[], type: 'full' | 'flows' | 'nodes'): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): unknown;
  /** A sinon spy on the runtime's log during `load`: each call's first argument is the entry. */
  log(): { getCalls(): { args: [{ level: number; id?: string; msg?: unknown }] }[]; readonly ERROR: number };
  /** Node.prototype, whose `status` the helper wraps in a sinon spy during `load` (every call, from construction on). */
  readonly _NodePrototype: { status: { getCalls(): { thisValue: unknown; args: [NodeStatus] }[] } };
}
const helper = require('node-red-node-test-helper') as TestHelper;

const NODES_DIST = join(__dirname, '..', '..', '..', 'nodes');
type NodeModule = (RED: NodeAPI) => void;
const translated = (module: NodeModule) => (RED: NodeAPI) => module({ ...RED, _: (key, params) => (key.includes(':') ? i18n._(key, params) : RED._(key, params)) });
export const ARBITER_NODES = [supervisorNode, systemNode, actuatorNode, contextNode, eventsNode, operatorNode].map(translated);

helper.init(require.resolve('node-red'));

export type FlowNode = Record<string, unknown> & { id: string; type: string };
export type TestNode = {
  readonly id: string;
  receive(msg: NodeMessage): void;
  on(event: string, cb: (...args: any[]) => void): void;
  supervisor?: import('../../../nodes/lib/supervisor').Supervisor;
};

/** Every node on one flow tab at a position, as the editor saves them (Node-RED takes a node without x/y for a config node; Catch nodes catch within their tab). */
function onTab(flow: FlowNode[]): FlowNode[] {
  return [{ id: 'tab', type: 'tab', label: 'test' }, ...flow.map((n) => (n.type === 'arbiter-supervisor' ? n : { z: 'tab', x: 100, y: 100, ...n }))];
}

/** One Node-RED runtime per suite (helper.startServer), a fresh user directory per test, everything stopped after. */
export class NodeRedHarness {
  userDir = '';
  private readonly received = new Map<string /* helper node id */, NodeMessage[]>();
  /** Node instances already listened to: a modified-nodes deploy keeps the unchanged ones. */
  private readonly recorded = new WeakSet<object>();
  private asked = 0;

  async startServer(): Promise<void> {
    await new Promise<void>((resolve, reject) => helper.startServer((err?: Error) => (err ? reject(err) : resolve())));
    await i18n.registerMessageCatalog('home-arbiter/arbiter-supervisor', join(NODES_DIST, 'locales'), 'arbiter-supervisor.json');
  }

  async stopServer(): Promise<void> {
    await new Promise<void>((resolve, reject) => helper.stopServer((err?: Error) => (err ? reject(err) : resolve())));
  }

  /** A fresh user directory, and the runtime settings (settings.js) the next load runs with. */
  newUserDir(settings: Record<string, unknown> = {}): void {
    this.userDir = mkdtempSync(join(tmpdir(), 'home-arbiter-nodered-'));
    helper.settings({ userDir: this.userDir, ...settings });
  }

  /** Loads the flow and records every message reaching a `helper` node. */
  async load(flow: FlowNode[]): Promise<void> {
    this.received.clear();
    await helper.load(ARBITER_NODES, onTab(flow));
    this.record(flow);
  }

  /** A redeploy as the editor's Deploy button does: `full` closes and starts every node, `nodes` the changed ones. */
  async redeploy(flow: FlowNode[], type: 'full' | 'nodes' = 'full'): Promise<void> {
    await helper.setFlows(onTab(flow), type);
    this.record(flow);
  }

  private record(flow: FlowNode[]): void {
    for (const n of flow) {
      const node = helper.getNode(n.id) as TestNode | null;
      if (!node || this.recorded.has(node)) continue;
      this.recorded.add(node);
      if (n.type === 'helper') {
        if (!this.received.has(n.id)) this.received.set(n.id, []);
        node.on('input', (msg: NodeMessage) => this.received.get(n.id)!.push(msg));
      }
    }
  }

  async unload(): Promise<void> {
    await helper.unload();
    if (this.userDir) rmSync(this.userDir, { recursive: true, force: true });
    this.userDir = '';
  }

  node(id: string): TestNode {
    const node = helper.getNode(id) as TestNode | null;
    if (!node) throw new Error(`no node "${id}" in the loaded flow`);
    return node;
  }

  messages(helperId: string): NodeMessage[] {
    return this.received.get(helperId) ?? [];
  }

  /** Every status the running instance of node `id` has shown, oldest first (a redeployed node starts afresh). */
  statuses(id: string): NodeStatus[] {
    const node = helper.getNode(id);
    return helper._NodePrototype.status
      .getCalls()
      .filter((call) => call.thisValue === node)
      .map((call) => call.args[0]);
  }

  /** What the runtime logged at error level for node `id` since the load, as text. */
  errorsLogged(id: string): string[] {
    const log = helper.log();
    return log
      .getCalls()
      .map((call) => call.args[0])
      .filter((entry) => entry.level === log.ERROR && entry.id === id)
      .map((entry) => String(entry.msg));
  }

  status(id: string): NodeStatus | undefined {
    return this.statuses(id).at(-1);
  }

  /** Sends into a node and waits until `helperId` has received `count` messages in all (fails loudly after 10 s). */
  async send(id: string, msg: NodeMessage, helperId?: string, count?: number): Promise<NodeMessage[]> {
    const before = helperId ? this.messages(helperId).length : 0;
    this.node(id).receive(msg);
    if (!helperId) return [];
    await this.until(() => this.messages(helperId).length >= (count ?? before + 1), `${helperId} to receive ${count ?? before + 1} messages after ${JSON.stringify(msg)}`);
    return this.messages(helperId);
  }

  /**
   * Sends into a node and waits for the answer to that very message at `helperId` (the input message's properties
   * pass through): other messages the node sends meanwhile (a system node's standing changes) are not it.
   */
  async ask(id: string, msg: NodeMessage, helperId: string): Promise<NodeMessage> {
    const tag = `ask-${++this.asked}`;
    this.node(id).receive({ ...msg, asked: tag });
    await this.until(() => this.messages(helperId).some((m) => m.asked === tag), `${helperId} to receive the answer to ${JSON.stringify(msg)}`);
    const { asked: _asked, ...answer } = this.messages(helperId).find((m) => m.asked === tag)!;
    return answer;
  }

  /** Polls a condition; a peer that never answers fails the test with what was awaited. */
  async until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Waits for the status of a node to satisfy a predicate; returns it. */
  async statusMatching(id: string, predicate: (s: NodeStatus) => boolean, what: string): Promise<NodeStatus> {
    await this.until(() => this.statuses(id).some(predicate), `status of ${id}: ${what} (seen: ${JSON.stringify(this.statuses(id).map((s) => s.text))})`);
    return this.statuses(id).filter(predicate).at(-1)!;
  }
}
