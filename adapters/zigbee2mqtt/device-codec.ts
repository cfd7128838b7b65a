import { z } from 'zod';
import { numericState, type StateValue } from '../../engine/core/actuator';

/** One JSON property of a zigbee2mqtt device and how our state names map onto its values. */
interface EnumProperty {
  readonly property: string;
  readonly values: Readonly<Record<string /* our state */, string /* zigbee2mqtt value */>>;
  /** Values that name no state of ours (a lock between bolts): neither a report nor a problem. */
  readonly between?: readonly string[];
}

/** How one actuator's states travel: what goes to `<name>/set`, and which properties of `<name>` report state. */
export type DeviceCodec =
  | { readonly type: 'enum'; readonly set: EnumProperty; readonly reads: readonly EnumProperty[] }
  | { readonly type: 'numeric'; readonly property: string };

/** What one state message says about the actuator: a state, nothing (no state property in it), or a problem. */
export type Decoded = { readonly state?: StateValue; readonly problem?: { readonly field: string; readonly message: string } };

const ON_OFF: EnumProperty = { property: 'state', values: { on: 'ON', off: 'OFF' } };
// zigbee-herdsman-converters' cover_state / cover_position_tilt: `state` is OPEN or CLOSE (OPEN when partly open).
const COVER: EnumProperty = { property: 'state', values: { open: 'OPEN', closed: 'CLOSE' } };
// Converter `lock` (Zigbee cluster closuresDoorLock, attribute lockState): `state` LOCK/UNLOCK and
// `lock_state` locked/unlocked/not_fully_locked from the same attribute; lock_state is the finer one.
const LOCK_SET: EnumProperty = { property: 'state', values: { locked: 'LOCK', unlocked: 'UNLOCK' } };
const LOCK_STATE: EnumProperty = { property: 'lock_state', values: { locked: 'locked', unlocked: 'unlocked' }, between: ['not_fully_locked'] };

/** The codec each SPEC.md §1 kind gets unless the binding says otherwise (zigbee2mqtt water valves are on/off). */
const BY_KIND: Readonly<Record<string, DeviceCodec>> = {
  switch: { type: 'enum', set: ON_OFF, reads: [ON_OFF] },
  light: { type: 'enum', set: ON_OFF, reads: [ON_OFF] },
  ac: { type: 'enum', set: ON_OFF, reads: [ON_OFF] },
  av: { type: 'enum', set: ON_OFF, reads: [ON_OFF] },
  valve: { type: 'enum', set: { property: 'state', values: { open: 'ON', closed: 'OFF' } }, reads: [{ property: 'state', values: { open: 'ON', closed: 'OFF' } }] },
  window: { type: 'enum', set: COVER, reads: [COVER] },
  shutter: { type: 'enum', set: COVER, reads: [COVER] },
  blind: { type: 'enum', set: COVER, reads: [COVER] },
  lock: { type: 'enum', set: LOCK_SET, reads: [LOCK_STATE, LOCK_SET] },
};

/**
 * A binding's `options`: `property` alone makes the actuator numeric on that property (a blind's `position`,
 * 100 = open as zigbee2mqtt has it); `values` maps our states onto the values of `property` (default `state`).
 */
export const bindingOptionsSchema = z.strictObject({
  property: z.string().min(1).optional(),
  values: z.record(z.string(), z.string()).optional(),
});

/** The codec for a binding, or why there is none (the message names the field). */
export function codecFor(kind: string, rawOptions: unknown): DeviceCodec | { error: string } {
  const parsed = bindingOptionsSchema.safeParse(rawOptions ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { error: `options${issue.path.length ? `.${issue.path.join('.')}` : ''}: ${issue.message}` };
  }
  const { property, values } = parsed.data;
  if (values) {
    const custom: EnumProperty = { property: property ?? 'state', values };
    return { type: 'enum', set: custom, reads: [custom] };
  }
  if (property) return { type: 'numeric', property };
  return BY_KIND[kind] ?? { error: `kind "${kind}" has no zigbee2mqtt mapping (known: ${Object.keys(BY_KIND).join(', ')}); give options.property or options.values` };
}

/** The JSON object for `<name>/set`, or undefined when the state is not one this device can be sent. */
export function encodeState(codec: DeviceCodec, state: StateValue): Record<string, string | number> | undefined {
  if (codec.type === 'numeric') return typeof state === 'number' ? { [codec.property]: state } : undefined;
  const value = typeof state === 'string' ? codec.set.values[state] : undefined;
  return value === undefined ? undefined : { [codec.set.property]: value };
}

/** The property whose read (`<name>/get`) brings the actuator's state. */
export function readProperty(codec: DeviceCodec): string {
  return codec.type === 'numeric' ? codec.property : codec.set.property;
}

/** Reads the actuator's state from a device's JSON state message; the first read property present decides. */
export function decodeState(codec: DeviceCodec, message: Readonly<Record<string, unknown>>): Decoded {
  if (codec.type === 'numeric') {
    const value = message[codec.property];
    if (value === undefined) return {};
    // SPEC.md §1: a plain decimal numeral in a string is that number; "0x14" or "2e1" is not a state.
    const state = numericState(value);
    if (state === undefined) return { problem: { field: codec.property, message: `expected a number or a plain decimal numeral, got ${JSON.stringify(value)}` } };
    return { state };
  }
  for (const read of codec.reads) {
    const value = message[read.property];
    if (value === undefined) continue;
    const state = Object.keys(read.values).find((s) => read.values[s] === value);
    if (state !== undefined) return { state };
    if (typeof value === 'string' && read.between?.includes(value)) return {};
    const expected = [...Object.values(read.values), ...(read.between ?? [])].join(', ');
    return { problem: { field: read.property, message: `expected one of ${expected}, got ${JSON.stringify(value)}` } };
  }
  return {};
}
