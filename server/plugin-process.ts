import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Duplex, Readable } from 'node:stream';
import type { Outcome } from '../engine/core/arbiter-core';
import type { FactWriteOutcome } from '../engine/core/fact-admission';
import { pluginMessage, type HostMessage, type PluginMessage } from './plugin-protocol';

/** What a plugin may do: act as its own system, and nothing else. */
export interface PluginRights {
  command(target: string, state: string | number, options: { category?: string; ttl?: number }): Promise<Outcome>;
  release(target: string): Promise<void>;
  setFacts(facts: Readonly<Record<string, unknown>>): FactWriteOutcome;
}

export interface PluginSpec {
  /** The entry module, absolute; its folder is all the plugin process may read. */
  readonly module: string;
  readonly folder: string;
  readonly system: string;
  readonly options: Readonly<Record<string, unknown>>;
  /** Put before the plugin's command line: `unshare … --` to start it without a network (network-confinement.ts). */
  readonly confinement: readonly string[];
}

const RUNNER = join(__dirname, 'plugin-runner.js');
/** Node's permission model: `--experimental-permission` on Node 20 and 22, `--permission` once it is stable. */
const PERMISSION_FLAG = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';
/** A line on the channel longer than this ends the plugin: the server never buffers more for it. */
const MAX_LINE = 64 * 1024;
/** Requests a plugin may have unanswered at once; more are answered with an error. */
const MAX_REQUESTS = 64;
const MAX_OUTPUT_LINE = 500;
const MAX_HEAP_MB = 64;
const START_MS = 10_000;
const STOP_MS = 5_000;

/**
 * One plugin in a process of its own (issue 10, item 6), under Node's permission model: it reads only its folder
 * and the runner, cannot write files, start processes or workers, or load native addons, and inherits no
 * environment; unless its entry allows it, it has no network either. It reaches the server only through the channel, which the server reads as untrusted input: each
 * request is checked and carried out as the plugin's own system, and a line that does not fit ends the plugin.
 */
export class PluginProcess {
  private child?: ChildProcess;
  private requests = 0;
  private stopping = false;
  private started?: (failure: string | undefined) => void;

  constructor(
    private readonly spec: PluginSpec,
    private readonly rights: PluginRights,
    /** A line the plugin printed. */
    private readonly output: (line: string) => void,
    /** The plugin ended on its own (crashed, exited, or was ended for breaking the protocol). */
    private readonly ended: (reason: string) => void,
  ) {}

  /** Resolves once the plugin's `start` returned: with undefined, or with why it did not start. */
  start(facts: Readonly<Record<string, unknown>>): Promise<string | undefined> {
    const [command, ...confinement] = [...this.spec.confinement, process.execPath];
    const child = (this.child = spawn(
      command,
      [
        ...confinement,
        PERMISSION_FLAG,
        `--allow-fs-read=${RUNNER}`,
        `--allow-fs-read=${this.spec.folder}/`,
        `--max-old-space-size=${MAX_HEAP_MB}`,
        '--disable-warning=ExperimentalWarning',
        RUNNER,
        this.spec.module,
        this.spec.system,
      ],
      { cwd: this.spec.folder, env: {}, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] },
    ));
    readLines(child.stdout!, MAX_OUTPUT_LINE, (line) => this.output(line));
    readLines(child.stderr!, MAX_OUTPUT_LINE, (line) => this.output(line));
    readLines(child.stdio[3] as Readable, MAX_LINE, (line) => this.receive(line), () => this.kill(`sent a line longer than ${MAX_LINE} bytes`));
    child.stdio[3]!.on('error', () => undefined); // the plugin's end closes it; 'exit' says why
    child.on('exit', (code, signal) => this.exit(code === null ? `ended by ${signal}` : `exited with code ${code}`));
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.kill(`did not start within ${START_MS / 1000} s`), START_MS);
      this.started = (failure) => {
        clearTimeout(timer);
        this.started = undefined;
        resolve(failure);
      };
      this.send({ type: 'start', options: this.spec.options, facts });
    });
  }

  facts(facts: Readonly<Record<string, unknown>>): void {
    this.send({ type: 'facts', facts });
  }

  /** Asks the plugin to run its stop function and exit; ends it after `STOP_MS`. A second call does nothing. */
  async stop(): Promise<void> {
    const child = this.child;
    if (this.stopping || !child || child.exitCode !== null || child.signalCode !== null) return;
    this.stopping = true;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    this.send({ type: 'stop' });
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_MS);
    await exited;
    clearTimeout(timer);
  }

  private send(message: HostMessage): void {
    const channel = this.child?.stdio[3] as Duplex | undefined;
    if (channel?.writable) channel.write(`${JSON.stringify(message)}\n`);
  }

  private receive(line: string): void {
    let message: PluginMessage;
    try {
      const parsed = pluginMessage.safeParse(JSON.parse(line));
      if (!parsed.success) return this.kill(`sent a message the server does not take: ${parsed.error.issues[0].message} at ${parsed.error.issues[0].path.join('.') || '(message)'}`);
      message = parsed.data;
    } catch {
      return this.kill('sent a line that is not JSON');
    }
    switch (message.type) {
      case 'started':
        return this.started?.(undefined);
      case 'failed':
        this.started?.(message.reason);
        return void this.stop();
      case 'stopped':
        return;
      default:
        return void this.answer(message);
    }
  }

  private async answer(message: Extract<PluginMessage, { id: number }>): Promise<void> {
    if (this.requests >= MAX_REQUESTS) return this.send({ type: 'reply', id: message.id, error: `more than ${MAX_REQUESTS} requests are unanswered` });
    this.requests++;
    try {
      let result: unknown;
      if (message.type === 'command') result = await this.rights.command(message.target, message.state, { category: message.category, ttl: message.ttl });
      else if (message.type === 'release') result = await this.rights.release(message.target);
      else result = this.rights.setFacts(message.facts);
      this.send({ type: 'reply', id: message.id, result });
    } catch (err) {
      this.send({ type: 'reply', id: message.id, error: err instanceof Error ? err.message : String(err) });
    } finally {
      this.requests--;
    }
  }

  private kill(reason: string): void {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    this.exit(reason);
  }

  private exit(reason: string): void {
    const child = this.child;
    if (this.stopping || !child) return;
    this.stopping = true;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (this.started) this.started(reason);
    else this.ended(reason);
  }
}

/** Calls `line` for each line of `stream`; a line longer than `max` is cut there, or, with `tooLong`, ends the reading. */
function readLines(stream: Readable, max: number, line: (text: string) => void, tooLong?: () => void): void {
  let buffer = '';
  const overflow = () => {
    stream.destroy();
    tooLong!();
  };
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf('\n')) >= 0) {
      if (end > max && tooLong) return overflow();
      line(buffer.slice(0, Math.min(end, max)));
      buffer = buffer.slice(end + 1);
    }
    if (buffer.length <= max) return;
    if (tooLong) return overflow();
    line(buffer.slice(0, max));
    buffer = '';
  });
}
