import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Arbiter, SystemHandle } from '../engine/arbiter';
import type { PluginEntry } from './server-config';

/** What a plugin module receives: a handle that commands as its one declared system, and nothing more. */
export interface PluginContext {
  readonly system: SystemHandle;
  readonly options: Readonly<Record<string, unknown>>;
  /** Reads a fact (sensor reading, mode); a plugin writes only the facts that list its system, through `system`. */
  fact(name: string): unknown;
}

/** A plugin module exports `start(context)`, returning (or resolving to) an optional stop function. */
export interface PluginModule {
  start(context: PluginContext): void | (() => void | Promise<void>) | Promise<void | (() => void | Promise<void>)>;
}

export type PluginOutcome = { readonly module: string; readonly system: string; readonly loaded: true } | { readonly module: string; readonly loaded: false; readonly reason: string };

/** sha256 of the module file as `sha256sum` prints it. */
export function moduleDigest(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/**
 * Loads control systems from modules on an allow-list: a module runs only if its file's sha256 is the one the
 * configuration pins (the seed's recommendation for small devices instead of virus scanning). A refused or
 * failing plugin is reported and skipped; it never stops the server.
 */
export class PluginHost {
  private readonly stops: (() => void | Promise<void>)[] = [];

  constructor(
    private readonly arbiter: Arbiter,
    private readonly entries: readonly PluginEntry[],
    private readonly failed: (message: string) => void,
  ) {}

  async start(): Promise<PluginOutcome[]> {
    const outcomes: PluginOutcome[] = [];
    for (const entry of this.entries) outcomes.push(await this.load(entry));
    return outcomes;
  }

  async stop(): Promise<void> {
    const stops = this.stops.splice(0);
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        // One plugin failing to stop must not keep the others running.
        this.failed(`plugin stop failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  private async load(entry: PluginEntry): Promise<PluginOutcome> {
    const refused = (reason: string): PluginOutcome => ({ module: entry.module, loaded: false, reason });
    let digest: string;
    try {
      digest = moduleDigest(entry.module);
    } catch (err) {
      return refused(`cannot read the module: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    if (digest !== entry.sha256) return refused(`sha256 ${digest} does not match the allow-listed ${entry.sha256}`);
    try {
      const mod = require(entry.module) as Partial<PluginModule> & { default?: Partial<PluginModule> };
      const start = mod.start ?? mod.default?.start;
      if (typeof start !== 'function') return refused('exports no start(context) function');
      const id = entry.system;
      const system: SystemHandle = {
        id,
        command: (target, state, options = {}) => this.arbiter.command({ system: id, target, state, ...options }),
        release: (target) => this.arbiter.release(id, target),
        setFacts: (facts) => this.arbiter.setFacts(facts, { system: id }),
      };
      const stop = await start({ system, options: entry.options ?? {}, fact: (name) => this.arbiter.tables.fact(name)?.value });
      if (typeof stop === 'function') this.stops.push(stop);
      return { module: entry.module, system: id, loaded: true };
    } catch (err) {
      return refused(`failed to start: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
