import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { parseYaml } from '../../../scenario/load-scenario';

export interface ReplayStep {
  readonly command?: Record<string, unknown>;
  readonly release?: { system: string; target: string };
  readonly fact?: Record<string, unknown>;
  readonly expect?: {
    readonly state?: Record<string, string>;
    readonly owner?: Record<string, string | null>;
    readonly events?: Record<string, unknown>[];
    readonly noEvents?: string[];
    readonly dispatched?: { target: string; state: string; by?: string }[];
  };
}

export interface ReplayActuator {
  readonly id: string;
  readonly kind: string;
}

/** The engine with real devices behind it, wherever it runs (this process, another network namespace). */
export interface ReplayHome {
  command(command: Record<string, unknown>): Promise<unknown>;
  release(release: { system: string; target: string }): Promise<unknown>;
  facts(facts: Record<string, unknown>): Promise<unknown>;
  view(id: string): Promise<{ state: unknown; owner: string | null }>;
  /** Every engine event so far, oldest first. */
  events(): Promise<Record<string, unknown>[]>;
  /** Fails unless the device at the far end holds `state` (`where` names the step). */
  atDevice(id: string, state: string, where: string): Promise<void>;
}

/**
 * A SPEC.md §10 scenario replayed in real time through the engine, an adapter and devices on a real protocol:
 * each `expect` is checked in the engine and, for `state`, at the device. Steps are taken in order; `at` is not
 * waited for, so only scenarios without timers (ttl, minHold, maxAge) replay faithfully.
 */
export class ScenarioReplay {
  private seen = 0;

  constructor(private readonly home: ReplayHome) {}

  /** The scenario file's configuration, each actuator bound to a device by `bind`, and its steps. */
  static load(file: string, bind: (actuator: ReplayActuator) => Record<string, unknown>): { config: Record<string, unknown>; steps: ReplayStep[] } {
    const { name: _name, description: _description, steps, ...config } = parseYaml(readFileSync(file, 'utf8'), file) as Record<string, unknown>;
    const actuators = (config.actuators as ReplayActuator[]).map((a) => ({ ...a, device: bind(a) }));
    return { config: { ...config, actuators }, steps: steps as ReplayStep[] };
  }

  async run(steps: readonly ReplayStep[]): Promise<void> {
    for (const [index, step] of steps.entries()) {
      const where = `steps[${index}]`;
      if (step.command) await this.home.command(step.command);
      else if (step.release) await this.home.release(step.release);
      else if (step.fact) await this.home.facts(step.fact);
      else if (step.expect) await this.check(step.expect, where);
      else throw new Error(`${where}: this replay takes command, release, fact and expect steps only`);
    }
  }

  private async check(expect: NonNullable<ReplayStep['expect']>, where: string): Promise<void> {
    // States first: confirmations and policy evaluation are asynchronous; the events they cause come with them.
    for (const [id, state] of Object.entries(expect.state ?? {})) {
      await waitUntil(`${where}: ${id} confirmed ${state}`, async () => (await this.home.view(id)).state === state);
      await this.home.atDevice(id, state, where);
    }
    for (const [id, owner] of Object.entries(expect.owner ?? {})) assert.equal((await this.home.view(id)).owner, owner, `${where}: owner of ${id}`);
    const all = await this.home.events();
    const events = all.slice(this.seen);
    this.seen = all.length;
    let from = 0;
    for (const wanted of expect.events ?? []) {
      const at = events.findIndex((e, i) => i >= from && Object.entries(wanted).every(([k, v]) => e[k] === v));
      assert.ok(at >= 0, `${where}: no event ${JSON.stringify(wanted)} in order among ${JSON.stringify(events)}`);
      from = at + 1;
    }
    for (const type of expect.noEvents ?? []) assert.ok(!events.some((e) => e.type === type), `${where}: an unexpected ${type} event`);
    if (expect.dispatched) {
      const dispatched = events.filter((e) => e.type === 'dispatched');
      assert.deepEqual(
        dispatched.map((d) => ({ target: d.target, state: d.state })),
        expect.dispatched.map((d) => ({ target: d.target, state: d.state })),
        `${where}: dispatches`,
      );
      expect.dispatched.forEach((d, i) => d.by === undefined || assert.equal(dispatched[i]!.by, d.by, `${where}: dispatched[${i}].by`));
    }
  }
}

/** Polls `check` until it holds; fails naming `what` after `ms` (a guard against hanging, not a timing assertion). */
export async function waitUntil(what: string, check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting (${ms} ms) for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
