import { resolve } from 'node:path';
import type { Clock } from '../engine/clock';
import type { ActuatorBinding, DeviceAdapter } from '../adapters/device-adapter';

/** What a factory may use beside the configuration's `adapters.<name>` options. */
export interface AdapterContext {
  /** The engine's clock, for adapters that simulate time (virtual). */
  readonly clock: Clock;
  /** The configuration file's folder: relative paths in adapter options are resolved against it. */
  readonly baseDir: string;
}

type AdapterFactory = (options: Record<string, unknown>, context: AdapterContext) => DeviceAdapter;

/*
 * Adapters the configuration may name in `device.adapter`, each constructed from `adapters.<name>` in the
 * configuration. Each protocol module is required only when a binding names it, so that a home without Zigbee
 * never loads zigbee-herdsman; the `import(...)` types keep the constructors type-checked.
 */
const FACTORIES: Record<string, AdapterFactory> = {
  virtual: (options, { clock }) => {
    const { VirtualAdapter } = require('../adapters/virtual') as typeof import('../adapters/virtual');
    return new VirtualAdapter({ clock, ...options });
  },
  zigbee2mqtt: (options) => {
    const { Zigbee2MqttAdapter } = require('../adapters/zigbee2mqtt') as typeof import('../adapters/zigbee2mqtt');
    return new Zigbee2MqttAdapter(options as import('../adapters/zigbee2mqtt').Zigbee2MqttOptions);
  },
  'echonet-lite': (options) => {
    const { EchonetLiteAdapter } = require('../adapters/echonet-lite') as typeof import('../adapters/echonet-lite');
    return new EchonetLiteAdapter(options as import('../adapters/echonet-lite').EchonetLiteAdapterOptions);
  },
  'zigbee-herdsman': (options, { baseDir }) => {
    const { ZigbeeHerdsmanAdapter } = require('../adapters/zigbee-herdsman') as typeof import('../adapters/zigbee-herdsman');
    const dataDir = typeof options.dataDir === 'string' ? resolve(baseDir, options.dataDir) : resolve(baseDir, 'zigbee-data');
    return new ZigbeeHerdsmanAdapter({ ...(options as object), dataDir } as import('../adapters/zigbee-herdsman').ZigbeeHerdsmanOptions);
  },
};

export const ADAPTER_NAMES = Object.keys(FACTORIES);

/** One adapter per name the bindings use; an unknown name is an error naming the actuator and the field. */
export function createAdapters(bindings: readonly ActuatorBinding[], options: Readonly<Record<string, Record<string, unknown>>>, context: AdapterContext): DeviceAdapter[] {
  const names = [...new Set(bindings.map((b) => b.adapter))];
  return names.map((name) => {
    const factory = FACTORIES[name];
    if (!factory) {
      const first = bindings.find((b) => b.adapter === name)!;
      throw new Error(`actuator ${first.actuatorId}: device.adapter "${name}" is unknown (known: ${ADAPTER_NAMES.join(', ')})`);
    }
    try {
      return factory(options[name] ?? {}, context);
    } catch (err) {
      throw new Error(`adapters.${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
}
