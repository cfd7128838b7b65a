import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';

export const MOSQUITTO_BINARY = '/usr/sbin/mosquitto';
const READY_WITHIN_MS = 5000;
const STOP_WITHIN_MS = 2000;

/**
 * A real Debian mosquitto on 127.0.0.1 for one suite: its own port, config and temp dir, stopped afterwards.
 * Tests get it through `MqttBroker` (mqtt-broker.ts) when it is installed. If it cannot start, `start()` throws
 * with the broker's own output so the suite fails loudly.
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
    this.output = '';
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
      await Promise.race([this.running(), exited]);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Kills the broker and removes its temp dir; a second call does nothing. */
  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    // pid is undefined when the binary could not be spawned at all: there is nothing to kill then.
    if (child && child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      // mosquitto exits on SIGTERM at once; SIGKILL is the backstop so that a test run never hangs on it.
      const kill = setTimeout(() => child.kill('SIGKILL'), STOP_WITHIN_MS);
      await gone;
      clearTimeout(kill);
    }
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  /**
   * Resolves once mosquitto logs that it is running, which it does after binding the listener: a TCP probe
   * alone could be answered by whatever else took the port between `freePort()` and the spawn.
   */
  private async running(): Promise<void> {
    const deadline = Date.now() + READY_WITHIN_MS;
    while (!/ version \S+ running/.test(this.output)) {
      if (!this.process) return; // stopped meanwhile (it exited at start-up): the caller already has that error
      if (Date.now() > deadline) throw new Error(`mosquitto: not running on port ${this.port} after ${READY_WITHIN_MS} ms:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
