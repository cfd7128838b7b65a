import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { freePort } from '../../adapters/support/free-port';

/** Debian puts it in /usr/sbin, which is not on every user's PATH. */
const BINARY = existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server';
const READY_WITHIN_MS = 20_000;
let announced = false;

/**
 * Why the NATS suites cannot run here, or undefined when Debian's nats-server is installed. The reason is printed
 * once per run (the issue: "prints one line saying it was skipped and why"); every other suite still runs.
 */
export function natsUnavailable(): string | undefined {
  const probe = spawnSync(BINARY, ['--version'], { encoding: 'utf8' });
  if (!probe.error && probe.status === 0) return undefined;
  const reason = `the NATS suites were skipped: no ${BINARY} on this machine (${probe.error?.message ?? probe.stderr.trim()}); install Debian's "nats-server" package (.ci/run does)`;
  if (!announced) process.stdout.write(`${reason}\n`);
  announced = true;
  return reason;
}

interface NatsNode {
  readonly name: string;
  readonly port: number;
  readonly config: string;
  process?: ChildProcess;
  output: string;
}

/**
 * Real nats-server processes with JetStream on 127.0.0.1: one, or a cluster of three (free ports, a temp store
 * dir each), started and stopped by the tests. A node can be killed with SIGKILL and started again on its port.
 */
export class NatsCluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'home-arbiter-nats-'));
  private readonly nodes: NatsNode[] = [];

  private constructor() {}

  static async start(size: 1 | 3 = 3): Promise<NatsCluster> {
    const cluster = new NatsCluster();
    const ports = await Promise.all(Array.from({ length: size * 2 }, () => freePort()));
    const routes = ports.slice(size).map((p) => `nats-route://127.0.0.1:${p}`);
    for (let i = 0; i < size; i++) {
      const name = `n${i + 1}`;
      const config = join(cluster.dir, `${name}.conf`);
      const clustering = size > 1 ? `cluster { name: arbiter-test, listen: 127.0.0.1:${ports[size + i]}, routes: [${routes.join(', ')}] }\n` : '';
      writeFileSync(config, `server_name: ${name}\nlisten: 127.0.0.1:${ports[i]}\njetstream { store_dir: "${join(cluster.dir, name)}", max_mem: 64M, max_file: 1G }\n${clustering}`);
      cluster.nodes.push({ name, port: ports[i], config, output: '' });
    }
    try {
      for (const node of cluster.nodes) cluster.spawn(node);
      await cluster.ready();
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  get urls(): string[] {
    return this.nodes.map((n) => `nats://127.0.0.1:${n.port}`);
  }

  /** kill -9 one node (by index). */
  async kill(index: number): Promise<void> {
    const node = this.nodes[index];
    const child = node.process;
    node.process = undefined;
    if (!child || child.exitCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  }

  /** Starts a killed node again on its port and store. */
  async restart(index: number): Promise<void> {
    this.spawn(this.nodes[index]);
    await this.ready();
  }

  async stop(): Promise<void> {
    for (let i = 0; i < this.nodes.length; i++) await this.kill(i);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private spawn(node: NatsNode): void {
    const child = spawn(BINARY, ['-c', node.config], { stdio: ['ignore', 'pipe', 'pipe'] });
    node.process = child;
    child.stdout!.on('data', (d: Buffer) => (node.output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (node.output += d.toString()));
  }

  /** Resolves once JetStream answers through every running node (the cluster has elected its meta leader). */
  private async ready(): Promise<void> {
    const deadline = Date.now() + READY_WITHIN_MS;
    for (const node of this.nodes.filter((n) => n.process)) {
      for (;;) {
        try {
          const nc = await connect({ servers: `127.0.0.1:${node.port}`, timeout: 1000, reconnect: false });
          try {
            await (await jetstreamManager(nc, { timeout: 1000 })).getAccountInfo();
            break;
          } finally {
            await nc.close();
          }
        } catch (err) {
          if (node.process?.exitCode !== null && node.process?.exitCode !== undefined) throw new Error(`nats-server ${node.name} exited:\n${node.output}`);
          if (Date.now() > deadline) throw new Error(`nats-server ${node.name} not ready after ${READY_WITHIN_MS} ms (${String(err)}):\n${node.output.slice(-2000)}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
  }
}
