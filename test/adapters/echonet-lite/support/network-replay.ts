import { strict as assert } from 'assert';
import { ScenarioReplay, type ReplayHome, type ReplayStep } from '../../support/scenario-replay';
import { NetnsPair } from './netns-pair';
import type { NetnsChild } from './netns-child';
import { E0, LOCK, SHUTTER, WINDOW, type DeviceState } from './fixtures';
import type { DeviceSpec } from './emulated-device';

/** The emulated object that plays each kind of a scenario's actuators. */
const OBJECT_OF_KIND: Readonly<Record<string, DeviceSpec>> = { window: WINDOW, shutter: SHUTTER, lock: LOCK };

/**
 * A contract scenario replayed (ScenarioReplay) through the engine host in one network namespace and the emulated
 * devices in the other: each actuator is bound to the emulated object of its kind, and a state is checked at the
 * device as its EPC 0xE0.
 */
export class NetworkReplay extends ScenarioReplay {
  constructor(engine: NetnsChild, devices: NetnsChild) {
    super(echonetHome(engine, devices));
  }

  static loadOnEchonet(file: string): { config: Record<string, unknown>; steps: ReplayStep[] } {
    return ScenarioReplay.load(file, (a) => {
      const object = OBJECT_OF_KIND[a.kind];
      if (!object) throw new Error(`${file}: actuator ${a.id}: no emulated ECHONET Lite object of kind ${a.kind}`);
      return { adapter: 'echonet-lite', address: `${NetnsPair.DEVICES_IP}/${object.eoj}` };
    });
  }
}

function echonetHome(engine: NetnsChild, devices: NetnsChild): ReplayHome {
  const view = (id: string) => engine.request<{ state: string; owner: string | null; kind: string }>('view', { id });
  return {
    command: (command) => engine.request('command', command),
    release: (release) => engine.request('release', release),
    facts: (facts) => engine.request('facts', facts),
    view,
    events: async () => engine.seen((e) => e.event === 'arbiter').map((e) => e.payload as Record<string, unknown>),
    atDevice: async (id, state, where) => {
      const eoj = OBJECT_OF_KIND[(await view(id)).kind]!.eoj;
      assert.equal((await devices.request<DeviceState>('state'))[eoj]!.e0, E0[state], `${where}: ${id} at the device (EOJ ${eoj}, EPC 0xE0)`);
    },
  };
}
