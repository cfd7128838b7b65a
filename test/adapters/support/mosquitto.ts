import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';

export const MOSQUITTO_BINARY = '/usr/sbin/mosquitto';
const READY_WITHIN_MS = 5000;

/**
 * A real Debian mosquitto on 127.0.0.1 for one suite: its own port, config and temp dir, stopped afterwards.
 * Adapter tests talk MQTT to it, never to a mock (STYLE.md "Tests"). If it cannot start, `start()` throws with
 * the broker's own output so the suite fails loudly.
 */
export class Mosquitto {
  private process?: ChildProcess;
  private dir?: string;
  private output = '';
  port = 0;

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** Starts on a free port, or on `port` again (a broker restart, for reconnection tests). */
  async start(port?: number): Promise<void> {
    if (this.process) throw new Error('mosquitto: already started');
    this.port = port ?? (await freePort());
    this.dir = await mkdtemp(join(tmpdir(), 'home-arbiter-mosquitto-'));
    const config = join(this.dir, 'mosquitto.conf');
    await writeFile(config, `listener ${this.port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n`);
    const child = spawn(MOSQUITTO_BINARY, ['-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.process = child;
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    const exited = new Promise<never>((_, reject) => {
      child.once('error', (err) => reject(new Error(`mosquitto: cannot run ${MOSQUITTO_BINARY} (${err.message}); install the Debian package "mosquitto"`)));
      child.once('exit', (code, signal) => reject(new Error(`mosquitto: exited at start-up (code ${code}, signal ${signal}):\n${this.output}`)));
    });
    exited.catch(() => undefined);
    try {
      await Promise.race([this.accepting(), exited]);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Kills the broker and removes its temp dir; a second call does nothing. */
  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await gone;
    }
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  /** Resolves once the port accepts TCP connections. */
  private async accepting(): Promise<void> {
    const deadline = Date.now() + READY_WITHIN_MS;
    for (;;) {
      if (await canConnect(this.port)) return;
      if (Date.now() > deadline) throw new Error(`mosquitto: port ${this.port} not accepting after ${READY_WITHIN_MS} ms:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
