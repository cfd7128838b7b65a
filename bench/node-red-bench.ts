import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { blindControlFlow, SHUTTERS, shutterId, type FlowNode } from './node-red-flows';
import { Rng } from './workload';

/** The repository root, from `dist/bench/`: Node-RED loads our nodes from its package.json (`node-red.nodes`). */
const ROOT = resolve(__dirname, '..', '..');
const FUNCTION_BODY = join(ROOT, 'bench', 'baselines', 'function-node-priority-array.js');

/** The part of the embedded runtime (`require('node-red')`) the benchmark drives. */
interface NodeRedRuntime {
  init(server: Server, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  hooks: { add(name: string, fn: (event: { node: { id: string }; error?: unknown }) => void): void; remove(name: string): void };
  nodes: { getNode(id: string): { receive(msg: Record<string, unknown>): void } | null };
  events: { once(name: string, fn: () => void): void };
}

/** One control source, as each variant expresses it: a system node, a BACnet slot, a blind-control importance. */
export const SOURCES = [
  { system: 'wind', category: 'property', rank: 0, slot: 5, importance: 4 },
  { system: 'schedule', category: 'comfort', rank: 1, slot: 10, importance: 3 },
  { system: 'shading', category: 'comfort', rank: 0, slot: 12, importance: 2 },
  { system: 'scene', category: 'entertainment', rank: 0, slot: 15, importance: 1 },
] as const;
type Source = (typeof SOURCES)[number];
const LEVELS = [0, 25, 50, 75, 100];

export interface Variant {
  readonly key: string;
  readonly label: string;
  /** The node a message for this shutter and source goes to, and the message. */
  message(shutter: number, source: Source, level: number): { node: string; msg: Record<string, unknown> };
}

export const VARIANTS: readonly Variant[] = [
  {
    key: 'ours',
    label: 'home-arbiter nodes (arbiter-system → engine → arbiter-actuator, SQLite store)',
    message: (shutter, source, level) => ({ node: `sys-${source.system}`, msg: { topic: shutterId(shutter), payload: level } }),
  },
  {
    key: 'function',
    label: 'function node, BACnet priority array in flow context',
    message: (shutter, source, level) => ({ node: 'priority-array', msg: { topic: shutterId(shutter), priority: source.slot, payload: level } }),
  },
  {
    key: 'blind',
    label: 'node-red-contrib-sun-position blind-control, importance overrides',
    message: (shutter, source, level) => ({ node: `blind-${shutter}`, msg: { topic: 'levelOverwrite', payload: level / 100, importance: source.importance } }),
  },
];

function flows(): { flows: FlowNode[]; credentials: Record<string, unknown> } {
  const shutters = Array.from({ length: SHUTTERS }, (_, i) => ({ id: shutterId(i), kind: 'shutter', range: [0, 100] }));
  const ours: FlowNode[] = [
    { id: 'tab-ours', type: 'tab', label: 'home-arbiter' },
    { id: 'sup', type: 'arbiter-supervisor', name: 'bench', actuators: JSON.stringify(shutters), facts: '[]', policies: '[]' },
    ...SOURCES.map((s) => ({ id: `sys-${s.system}`, type: 'arbiter-system', z: 'tab-ours', supervisor: 'sup', systemId: s.system, category: s.category, rank: s.rank, targets: '', ttl: '', wires: [[]] })),
    { id: 'shutters', type: 'arbiter-actuator', z: 'tab-ours', supervisor: 'sup', target: 'kind:shutter', wires: [[]] },
  ];
  const fn: FlowNode[] = [
    { id: 'tab-fn', type: 'tab', label: 'function node' },
    { id: 'priority-array', type: 'function', z: 'tab-fn', name: 'priority array', func: readFileSync(FUNCTION_BODY, 'utf8'), outputs: 1, noerr: 0, initialize: '', finalize: '', libs: [], wires: [[]] },
  ];
  const blind = blindControlFlow('tab-blind');
  return { flows: [...ours, ...fn, ...blind.flows], credentials: blind.credentials };
}

export interface MessageRate {
  readonly perSecond: number;
  readonly perCpuSecond: number;
}

/**
 * One real Node-RED runtime (node_modules/node-red), embedded headless on 127.0.0.1 with a temporary user directory
 * and the three variants deployed side by side on their own tabs. Node-RED can be initialised once per process.
 */
export class NodeRedBench {
  private red?: NodeRedRuntime;
  private server?: Server;
  private userDir?: string;

  async start(): Promise<void> {
    if (!existsSync(join(ROOT, 'dist', 'nodes', 'arbiter-system.js'))) throw new Error('node-red: dist/nodes is missing: build first (npm run build)');
    this.userDir = mkdtempSync(join(tmpdir(), 'home-arbiter-bench-nr-'));
    const { flows: flowNodes, credentials } = flows();
    writeFileSync(join(this.userDir, 'flows.json'), JSON.stringify(flowNodes));
    writeFileSync(join(this.userDir, 'flows_cred.json'), JSON.stringify(credentials));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const red = require('node-red') as NodeRedRuntime;
    const server = (this.server = createServer());
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    red.init(server, {
      userDir: this.userDir,
      flowFile: 'flows.json',
      credentialSecret: false,
      httpAdminRoot: false,
      httpNodeRoot: false,
      uiHost: '127.0.0.1',
      nodesDir: [ROOT],
      logging: { console: { level: 'error', metrics: false, audit: false } },
      externalModules: { autoInstall: false, palette: { allowInstall: false } },
    });
    const started = new Promise<void>((done) => red.events.once('flows:started', done));
    await red.start();
    this.red = red;
    await started;
  }

  /** Stops the runtime, closes the server and removes the user directory; a second call does nothing. */
  async stop(): Promise<void> {
    const { red, server, userDir } = this;
    this.red = this.server = this.userDir = undefined;
    // blind-control does not clear its two-hour override expiry timers on close (80-blind-control.js); a reset
    // does (timeControlHelper.js posOverwriteReset), so that the process can exit once the runtime stops.
    for (let shutter = 0; shutter < SHUTTERS; shutter++) red?.nodes.getNode(`blind-${shutter}`)?.receive({ resetOverwrite: true });
    await red?.stop();
    if (server) await new Promise<void>((done) => server.close(() => done()));
    if (userDir) rmSync(userDir, { recursive: true, force: true });
  }

  /**
   * Sends batches of messages to the variant's nodes with `node.receive` (what an upstream wire does) and counts the
   * messages those nodes have completed (`done()`, seen through the runtime's `onComplete` hook), so that a node that
   * acknowledges asynchronously (ours: after the group commit) is timed to its acknowledgement.
   */
  async messagesPerSecond(variant: Variant, durationMs: number, batch = 200): Promise<MessageRate> {
    const red = this.red;
    if (!red) throw new Error('node-red: start the runtime first');
    const rng = new Rng(11);
    const targets = new Set<string>();
    const plan = Array.from({ length: 5_000 }, () => variant.message(rng.int(SHUTTERS), rng.pick(SOURCES), rng.pick(LEVELS)));
    for (const p of plan) targets.add(p.node);
    const nodes = new Map([...targets].map((id) => [id, red.nodes.getNode(id)]));
    for (const [id, node] of nodes) if (!node) throw new Error(`node-red: node ${id} of "${variant.label}" did not start (see the runtime's log above)`);
    let completed = 0;
    let waiting: { until: number; resolve: () => void } | undefined;
    let failed: unknown;
    red.hooks.add('onComplete.bench', (event) => {
      if (!targets.has(event.node.id)) return;
      failed ??= event.error;
      completed++;
      if (waiting && completed >= waiting.until) waiting.resolve();
    });
    let issued = 0;
    const runFor = async (ms: number) => {
      const cpu = process.cpuUsage();
      const start = performance.now();
      const from = completed;
      while (performance.now() - start < ms) {
        for (let i = 0; i < batch; i++) {
          const { node, msg } = plan[issued++ % plan.length];
          nodes.get(node)!.receive({ ...msg });
        }
        if (completed < issued) await new Promise<void>((done) => (waiting = { until: issued, resolve: done }));
        waiting = undefined;
      }
      const used = process.cpuUsage(cpu);
      return { perSecond: ((completed - from) / (performance.now() - start)) * 1000, perCpuSecond: ((completed - from) / (used.user + used.system)) * 1e6 };
    };
    try {
      await runFor(Math.min(500, durationMs / 3)); // warm-up: JIT, the arbiter's start, SunCalc's caches
      const rate = await runFor(durationMs);
      // A node that fails its messages would be measured failing fast: that is not the job done.
      if (failed !== undefined) throw new Error(`node-red: "${variant.label}" failed a message: ${failed instanceof Error ? failed.message : String(failed)}`);
      return rate;
    } finally {
      red.hooks.remove('onComplete.bench');
    }
  }
}
