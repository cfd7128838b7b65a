import { dirname } from 'node:path';
import type { Subscription } from 'rxjs';
import type { Arbiter } from '../engine/arbiter';
import { factValueProblem } from './fact-value';
import { folderDigest } from './plugin-folder';
import { networkConfinement } from './network-confinement';
import { PluginProcess } from './plugin-process';
import type { PluginEntry } from './server-config';

export type PluginOutcome =
  /** `network`: whether the plugin can open sockets (allowed by its entry, or because the machine cannot stop it). */
  | { readonly module: string; readonly system: string; readonly loaded: true; readonly network: boolean }
  | { readonly module: string; readonly system?: string; readonly loaded: false; readonly reason: string };

export interface PluginEvents {
  /** A line the plugin printed, or a problem stopping it. */
  say(line: string): void;
  loaded(module: string, system: string): void;
  refused(module: string, reason: string): void;
  /** A plugin that was running ended on its own. */
  ended(module: string, system: string, reason: string): void;
}

/**
 * Loads control systems from plugins on an allow-list (issue 10, item 6): a plugin runs only if the sha256 of its
 * whole folder is the one the configuration pins, and then in a process of its own (`PluginProcess`) that acts
 * through its system's rights alone. A refused, failing or crashing plugin is reported; it never stops the server.
 */
export class PluginHost {
  private readonly processes = new Map<string /* module */, PluginProcess>();
  private readonly outcomes: PluginOutcome[] = [];
  private subscription?: Subscription;

  constructor(
    private readonly arbiter: Arbiter,
    private readonly entries: readonly PluginEntry[],
    private readonly events: PluginEvents,
  ) {}

  async start(): Promise<void> {
    // Facts as they change go to every plugin, so that `fact(name)` in a plugin reads a current value.
    this.subscription = this.arbiter.events$.subscribe((e) => {
      const name = e.type === 'fact' ? e.name : e.type === 'degraded' || e.type === 'restored' ? e.fact : undefined;
      if (name === undefined) return;
      for (const plugin of this.processes.values()) plugin.facts({ [name]: this.arbiter.tables.fact(name)?.value });
    });
    for (const entry of this.entries) {
      const outcome = await this.load(entry);
      this.outcomes.push(outcome);
      if (outcome.loaded) this.events.loaded(outcome.module, outcome.system);
      else this.events.refused(outcome.module, outcome.reason);
    }
  }

  /** Each plugin as it stands now: loaded, refused, or ended since. */
  get status(): readonly PluginOutcome[] {
    return this.outcomes;
  }

  async stop(): Promise<void> {
    this.subscription?.unsubscribe();
    const running = [...this.processes.values()].reverse();
    this.processes.clear();
    for (const plugin of running) {
      try {
        await plugin.stop();
      } catch (err) {
        // One plugin failing to stop must not keep the others running.
        this.events.say(`plugin stop failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  private async load(entry: PluginEntry): Promise<PluginOutcome> {
    const refused = (reason: string): PluginOutcome => ({ module: entry.module, system: entry.system, loaded: false, reason });
    const folder = dirname(entry.module);
    let digest: string;
    try {
      digest = folderDigest(folder);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return refused(`cannot read the plugin's folder: ${code ?? (err as Error).message}`);
    }
    if (digest !== entry.sha256) return refused(`sha256 of the folder ${folder} is ${digest}, not the allow-listed ${entry.sha256}`);
    const system = entry.system;
    const confinement = entry.network === true ? undefined : networkConfinement();
    if (confinement && 'unavailable' in confinement) {
      this.events.say(`plugin ${system}: runs with the network open, this machine cannot take it away (${confinement.unavailable}); keep it off the devices' network`);
    }
    const prefix = confinement && 'prefix' in confinement ? confinement.prefix : [];
    const plugin = new PluginProcess(
      { module: entry.module, folder, system, options: entry.options ?? {}, confinement: prefix },
      {
        command: (target, state, options) => this.arbiter.command({ system, target, state, ...options }),
        release: (target) => this.arbiter.release(system, target),
        setFacts: (facts) => {
          // The bound the HTTP API puts on fact values, for the same reason.
          for (const [name, value] of Object.entries(facts)) {
            const problem = factValueProblem(value);
            if (problem) throw new Error(`fact "${name}": the value ${problem}`);
          }
          return this.arbiter.setFacts(facts, { system });
        },
      },
      (line) => this.events.say(`plugin ${system}: ${line}`),
      (reason) => this.end(entry, reason),
    );
    this.processes.set(entry.module, plugin);
    const failure = await plugin.start(Object.fromEntries(this.arbiter.tables.factRecords().map((f) => [f.name, f.value])));
    if (failure === undefined) return { module: entry.module, system, loaded: true, network: prefix.length === 0 };
    this.processes.delete(entry.module);
    return refused(failure);
  }

  /** A plugin that had started ended on its own (one that ends while starting is refused instead). */
  private end(entry: PluginEntry, reason: string): void {
    this.processes.delete(entry.module);
    const i = this.outcomes.findIndex((o) => o.module === entry.module);
    this.outcomes[i] = { module: entry.module, system: entry.system, loaded: false, reason };
    this.events.ended(entry.module, entry.system, reason);
  }
}
