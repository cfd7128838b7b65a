/**
 * The plugin process's entry (`node --experimental-permission plugin-runner.js <module> <system>`). It runs with
 * Node's permission model, reading only this file and the plugin's folder: no server module, file or environment
 * is within reach. It loads the plugin and gives it a handle that acts as its one system by asking the server
 * over the channel on file descriptor 3. It may import nothing but Node's own modules (and types, which vanish).
 */
import { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import type { Outcome } from '../engine/core/arbiter-core';
import type { FactWriteOutcome } from '../engine/core/fact-admission';
import type { HostMessage, PluginMessage } from './plugin-protocol';

/** What a plugin's `start` receives: its own system, its options, and the facts as the server last sent them. */
export interface PluginContext {
  readonly system: {
    readonly id: string;
    command(target: string, state: string | number, options?: { category?: string; ttl?: number }): Promise<Outcome>;
    release(target: string): Promise<void>;
    /** Only the facts whose `writers` list this system (SPEC.md §6). */
    setFacts(facts: Readonly<Record<string, unknown>>): Promise<FactWriteOutcome>;
  };
  readonly options: Readonly<Record<string, unknown>>;
  fact(name: string): unknown;
}

type Stop = () => void | Promise<void>;
/** A plugin module exports `start(context)`, returning (or resolving to) an optional stop function. */
export interface PluginModule {
  start(context: PluginContext): void | Stop | Promise<void | Stop>;
}

const [modulePath, systemId] = process.argv.slice(2);
const channel = new Socket({ fd: 3, readable: true, writable: true });
const pending = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();
let facts: Record<string, unknown> = {};
let nextId = 1;
let stop: Stop | undefined;

const send = (message: PluginMessage) => channel.write(`${JSON.stringify(message)}\n`);

function request<T>(message: { type: 'command' | 'release' | 'setFacts' } & Record<string, unknown>): Promise<T> {
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    send({ ...message, id } as PluginMessage);
  });
}

const context = (options: Readonly<Record<string, unknown>>): PluginContext => ({
  system: {
    id: systemId,
    command: (target, state, opts = {}) => request({ type: 'command', target, state, ...opts }),
    release: (target) => request({ type: 'release', target }),
    setFacts: (values) => request({ type: 'setFacts', facts: values }),
  },
  options,
  fact: (name) => facts[name],
});

async function start(options: Readonly<Record<string, unknown>>): Promise<void> {
  try {
    const mod = require(modulePath) as Partial<PluginModule> & { default?: Partial<PluginModule> };
    const startPlugin = mod.start ?? mod.default?.start;
    if (typeof startPlugin !== 'function') return void send({ type: 'failed', reason: 'exports no start(context) function' });
    const result = await startPlugin(context(options));
    if (typeof result === 'function') stop = result;
    send({ type: 'started' });
  } catch (err) {
    send({ type: 'failed', reason: `failed to start: ${err instanceof Error ? err.message : String(err)}`.slice(0, 2000) });
  }
}

async function shutdown(): Promise<void> {
  try {
    await stop?.();
  } finally {
    send({ type: 'stopped' });
    channel.end(() => process.exit(0));
  }
}

createInterface({ input: channel }).on('line', (line) => {
  const message = JSON.parse(line) as HostMessage;
  switch (message.type) {
    case 'start':
      facts = { ...message.facts };
      void start(message.options);
      break;
    case 'facts':
      facts = { ...facts, ...message.facts };
      break;
    case 'reply': {
      const waiting = pending.get(message.id);
      pending.delete(message.id);
      if (message.error !== undefined) waiting?.reject(new Error(message.error));
      else waiting?.resolve(message.result);
      break;
    }
    case 'stop':
      void shutdown();
      break;
  }
});
// The server went away: nothing is left to act for.
channel.on('end', () => process.exit(0));
