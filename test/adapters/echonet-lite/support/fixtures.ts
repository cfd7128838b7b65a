import { join } from 'path';
import type { DeviceSpec } from './emulated-device';
import { NetnsChild } from './netns-child';

export const DEVICE_SCRIPT = join(__dirname, 'emulated-device.js');
export const HOST_SCRIPT = join(__dirname, 'adapter-host.js');

const OPEN_CLOSE = { e0: ['41', '42', '43'] }; // 0xE0 open/close setting: open, close, stop

/** The devices of the UC4 home, each with its class's state property (see echonet-profile.ts). */
export const WINDOW: DeviceSpec = { eoj: '026501', properties: { '80': '30', e0: '42' }, settable: OPEN_CLOSE };
export const SHUTTER: DeviceSpec = { eoj: '026301', properties: { '80': '30', e0: '41' }, settable: OPEN_CLOSE };
/** An electrically operated shutter, class 0x0261 (the rain sliding door/shutter above is 0x0263). */
export const SHUTTER_0261: DeviceSpec = { eoj: '026101', properties: { '80': '30', e0: '42' }, settable: OPEN_CLOSE };
/** A window whose open/close setting can be read but not set: its Set property map (0x9E) leaves 0xE0 out. */
export const FIXED_WINDOW: DeviceSpec = { eoj: '026502', properties: { '80': '30', e0: '42' }, settable: {} };
export const LOCK: DeviceSpec = { eoj: '026f01', properties: { '80': '30', e0: '42' }, settable: { e0: ['41', '42'] } };
/** A home air conditioner: operation status 0x80 and set temperature 0xB3 (0 to 50 °C). */
export const AC: DeviceSpec = {
  eoj: '013001',
  properties: { '80': '31', b3: '14' },
  settable: { '80': ['30', '31'], b3: Array.from({ length: 51 }, (_, c) => c.toString(16).padStart(2, '0')) },
};
export const LIGHT: DeviceSpec = { eoj: '029001', properties: { '80': '31' }, settable: { '80': ['30', '31'] } };

/**
 * EPC 0xE0 of the window, shutter and lock classes, written here from the class specifications rather than
 * taken from the adapter under test.
 */
export const E0: Readonly<Record<string, string>> = { open: '41', closed: '42', locked: '41', unlocked: '42' };

/** How the emulated node answers: to the request's source port, or to port 3610. */
export const ANSWER_MODES = ['source', '3610'] as const;

/** Starts a line-protocol child in a namespace and waits for its `ready`. */
export async function startChild(label: string, namespace: string, script: string, args: string[] = []): Promise<NetnsChild> {
  const child = new NetnsChild(label, namespace, script, args);
  await child.waitFor('ready', (e) => e.event === 'ready', 10_000);
  return child;
}

/** The emulated node's properties: EOJ → EPC → EDT. */
export type DeviceState = Record<string, Record<string, string>>;

export { waitUntil } from '../../support/scenario-replay';
