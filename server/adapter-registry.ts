import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ActuatorBinding, DeviceAdapter } from '../adapters/device-adapter';
import { SimulatedAdapter } from './simulated-adapter';

type AdapterFactory = () => DeviceAdapter;

/**
 * Adapters the configuration may name in `device.adapter`, by name. Protocol adapters live in
 * `adapters/<protocol>/`; each is loaded only when a binding names it, so that a home without Zigbee never
 * loads zigbee-herdsman.
 */
const FACTORIES: Record<string, AdapterFactory> = {
  simulated: () => new SimulatedAdapter(),
  virtual: () => moduleAdapter('virtual'),
  zigbee2mqtt: () => moduleAdapter('zigbee2mqtt'),
  'echonet-lite': () => moduleAdapter('echonet-lite'),
  'zigbee-herdsman': () => moduleAdapter('zigbee-herdsman'),
};

export const ADAPTER_NAMES = Object.keys(FACTORIES);

/** Loads `adapters/<folder>/index` and constructs the DeviceAdapter class it exports. */
function moduleAdapter(folder: string): DeviceAdapter {
  const dir = join(__dirname, '..', 'adapters', folder);
  if (!existsSync(join(dir, 'index.js'))) throw new Error(`adapter "${folder}" is not built in this installation (no ${dir}/index.js)`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exports = require(dir) as Record<string, unknown>;
  for (const value of Object.values(exports)) {
    if (typeof value === 'function' && /Adapter$/.test(value.name)) {
      const adapter = new (value as new () => DeviceAdapter)();
      if (typeof adapter.apply === 'function' && typeof adapter.start === 'function') return adapter;
    }
  }
  throw new Error(`adapters/${folder}/index exports no DeviceAdapter class`);
}

/** One adapter per name used by the bindings; an unknown name is an error naming the actuator and field. */
export function createAdapters(bindings: readonly ActuatorBinding[]): DeviceAdapter[] {
  const names = [...new Set(bindings.map((b) => b.adapter))];
  return names.map((name) => {
    const factory = FACTORIES[name];
    if (!factory) {
      const first = bindings.find((b) => b.adapter === name)!;
      throw new Error(`actuator ${first.actuatorId}: device.adapter "${name}" is unknown (known: ${ADAPTER_NAMES.join(', ')})`);
    }
    return factory();
  });
}
