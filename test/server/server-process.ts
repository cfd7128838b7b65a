import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

/** The CLI as a user runs it, from the compiled tree. */
export const BIN = resolve(__dirname, '../../../bin/home-arbiter.js');

/** `home-arbiter serve` as a child process; `url` resolves once it prints where it listens. */
export class ServerProcess {
  readonly child: ChildProcess;
  readonly url: Promise<string>;
  stderr = '';
  stdout = '';

  /**
   * `clockShift`: ms the server's wall clock reads off the machine's (test/support/shift-clock.ts); `bugOnSignal`:
   * an uncaught exception in the server's process on SIGUSR2 (test/support/bug-on-signal.ts).
   */
  constructor(args: readonly string[], options: { clockShift?: number; bugOnSignal?: boolean } = {}) {
    const preload = [...(options.clockShift ? ['shift-clock.js'] : []), ...(options.bugOnSignal ? ['bug-on-signal.js'] : [])].flatMap((m) => ['--require', resolve(__dirname, '../support', m)]);
    const env = options.clockShift ? { ...process.env, HOME_ARBITER_CLOCK_SHIFT_MS: String(options.clockShift) } : process.env;
    this.child = spawn(process.execPath, [...preload, BIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.url = new Promise((resolveUrl, reject) => {
      this.child.stdout!.on('data', (d: Buffer) => {
        this.stdout += d.toString();
        const match = /listening on (http:\/\/[^\s]+)/.exec(this.stdout);
        if (match) resolveUrl(match[1]);
      });
      this.child.once('exit', (code, signal) => reject(new Error(`serve exited (${code ?? signal}) before listening:\n${this.stderr}`)));
    });
    this.url.catch(() => undefined);
  }

  /** Resolves with the exit code (or signal) once the process is gone. */
  exited(): Promise<number | string> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve(this.child.exitCode ?? this.child.signalCode!);
    return new Promise((r) => this.child.once('exit', (code, signal) => r(code ?? signal!)));
  }

  /** kill -9: no clean stop, no flush. */
  async kill9(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited();
  }

  async terminate(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    await this.exited();
  }
}

/** Runs another CLI command to completion. */
export function cli(args: readonly string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', input, timeout: 20_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}
