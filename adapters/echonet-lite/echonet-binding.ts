import type { ActuatorBinding } from '../device-adapter';
import { DeviceError } from '../device-adapter';
import { classOf, formatEchonetAddress, parseEchonetAddress, type EchonetAddress } from './echonet-address';
import { profileFor, type EchonetProfile } from './echonet-profile';

/** One actuator on one property of one ECHONET Lite object. */
export interface EchonetBinding {
  readonly actuatorId: string;
  readonly address: EchonetAddress;
  readonly profile: EchonetProfile;
  /** SetC answer timeout for this device, ms. */
  readonly timeout: number;
}

/** `device.options` an ECHONET Lite binding accepts. */
const OPTION_KEYS = ['property', 'timeout'] as const;

/**
 * Checks a configuration binding against SPEC.md §1's kinds and the class table of `echonet-profile.ts`; the
 * error names the actuator and the field (`device.address`, `device.options.timeout`...).
 */
export function parseBinding(binding: ActuatorBinding, defaultTimeout: number): EchonetBinding {
  const fail = (field: string, message: string) => new DeviceError('UNSUPPORTED', binding.actuatorId, `${field}: ${message}`);
  const options = binding.options ?? {};
  const unknown = Object.keys(options).filter((k) => !(OPTION_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) throw fail(`device.options.${unknown[0]}`, `unknown option (ECHONET Lite takes: ${OPTION_KEYS.join(', ')})`);
  const profile = profileFor(binding.kind, options.property);
  if (typeof profile === 'string') throw fail(options.property === undefined ? 'kind' : 'device.options.property', profile);
  const address = parseEchonetAddress(binding.address);
  if (typeof address === 'string') throw fail('device.address', address);
  if (!profile.classCodes.includes(classOf(address.eoj))) {
    const needs = profile.classCodes.map((c) => `0x${c}`).join(' or ');
    throw fail('device.address', `EOJ ${address.eoj} is of class 0x${classOf(address.eoj)}, but kind ${binding.kind} needs class ${needs}`);
  }
  const timeout = options.timeout ?? defaultTimeout;
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) throw fail('device.options.timeout', `${JSON.stringify(timeout)} is not a positive number of milliseconds`);
  return { actuatorId: binding.actuatorId, address, profile, timeout };
}

/** The key of the property an actuator lives on: `<ip>/<eoj>/<epc>`. */
export function propertyKey(address: EchonetAddress, epc: string): string {
  return `${formatEchonetAddress(address)}/${epc}`;
}
