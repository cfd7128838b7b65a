import { strict as assert } from 'assert';
import { readFileSync } from 'fs';
import { parseYaml } from '../../../../scenario/load-scenario';
import { NetnsPair } from './netns-pair';
import type { NetnsChild } from './netns-child';
import { E0, LOCK, SHUTTER, WINDOW, waitUntil, type DeviceState } from './fixtures';
import type { DeviceSpec } from './emulated-device';

/** The emulated object that plays each kind of a scenario's actuators. */
const OBJECT_OF_KIND: Readonly<Record<string, DeviceSpec>> = { window: WINDOW, shutter: SHUTTER, lock: LOCK };

interface RawStep {
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

/**
 * A SPEC.md §10 scenario replayed in real time through the engine, the adapter and the emulated devices: each
 * actuator gets an ECHONET Lite binding to the emulated object of its kind, and each `expect` is checked in the
 * engine and, for `state`, at the device (EPC 0xE0). Steps are taken in order; `at` is not waited for, so only
 * scenarios without timers (ttl, minHold, maxAge) replay faithfully.
 */
export class NetworkReplay {
  private seen = 0;

  constructor(
    private readonly engine: NetnsChild,
    private readonly devices: NetnsChild,
  ) {}

  /** The scenario file's configuration with device bindings, and its steps. */
  static load(file: string): { config: Record<string, unknown>; steps: RawStep[] } {
    const { name: _name, description: _description, steps, ...config } = parseYaml(readFileSync(file, 'utf8'), file) as Record<string, unknown>;
    const actuators = (config.actuators as { id: string; kind: string }[]).map((a) => {
      const object = OBJECT_OF_KIND[a.kind];
      if (!object) throw new Error(`${file}: actuator ${a.id}: no emulated ECHONET Lite object of kind ${a.kind}`);
      return { ...a, device: { adapter: 'echonet-lite', address: `${NetnsPair.DEVICES_IP}/${object.eoj}` } };
    });
    return { config: { ...config, actuators }, steps: steps as RawStep[] };
  }

  async run(steps: readonly RawStep[]): Promise<void> {
    for (const [index, step] of steps.entries()) {
      const where = `steps[${index}]`;
      if (step.command) await this.engine.request('command', step.command);
      else if (step.release) await this.engine.request('release', step.release);
      else if (step.fact) await this.engine.request('facts', step.fact);
      else if (step.expect) await this.check(step.expect, where);
      else throw new Error(`${where}: this replay takes command, release, fact and expect steps only`);
    }
  }

  private async check(expect: NonNullable<RawStep['expect']>, where: string): Promise<void> {
    // States first: confirmations and policy evaluation are asynchronous; the events they cause come with them.
    for (const [id, state] of Object.entries(expect.state ?? {})) {
      await waitUntil(`${where}: ${id} confirmed ${state}`, async () => (await this.view(id)).state === state);
      const eoj = OBJECT_OF_KIND[(await this.view(id)).kind]!.eoj;
      assert.equal((await this.devices.request<DeviceState>('state'))[eoj]!.e0, E0[state], `${where}: ${id} at the device (EOJ ${eoj}, EPC 0xE0)`);
    }
    for (const [id, owner] of Object.entries(expect.owner ?? {})) assert.equal((await this.view(id)).owner, owner, `${where}: owner of ${id}`);
    const all = this.engine.seen((e) => e.event === 'arbiter').map((e) => e.payload as Record<string, unknown>);
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

  private view(id: string): Promise<{ state: string; owner: string | null; kind: string }> {
    return this.engine.request('view', { id });
  }
}
