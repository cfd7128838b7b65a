import { Zcl } from 'zigbee-herdsman';
import type { MessagePayload } from 'zigbee-herdsman/dist/controller/events';
import { fromZigbee as fz, toZigbee as tz, type Tz } from 'zigbee-herdsman-converters';
import type { Fz, KeyValue } from 'zigbee-herdsman-converters/dist/lib/types';
import type { StateValue } from '../../engine/core/actuator';

/** A ZCL cluster-specific command, as a zigbee-herdsman-converters toZigbee converter would send it. */
export interface ZclCommand {
  readonly cluster: string;
  readonly command: string;
  readonly payload: KeyValue;
}

/** What one attribute report or read response means for the actuator. */
export type ReportReading = { readonly state: StateValue } | { readonly field: string; readonly problem: string } | undefined;

/** An attribute report or read response, as herdsman decoded it (the converters' `msg`). */
export type ReportMessage = MessagePayload;

/**
 * How an actuator kind maps onto one Zigbee cluster, through zigbee-herdsman-converters: the toZigbee converter
 * decides the command and payload (including the converters' open = 100 % lift inversion), the fromZigbee converter
 * reads the attribute reports back. We only check the raw attribute first, because the converters map any value
 * they do not know to "off" or "unlocked", which would turn a malformed frame into a manual change.
 */
export interface ClusterMapping {
  readonly cluster: 'closuresDoorLock' | 'closuresWindowCovering' | 'genOnOff';
  /** The attribute that holds the state, read back after pairing and at start. */
  readonly attribute: 'lockState' | 'currentPositionLiftPercentage' | 'onOff';
  /** The converter's command for a desired state; undefined when the state has no command in this cluster. */
  command(state: StateValue): Promise<ZclCommand | undefined>;
  read(message: ReportMessage): ReportReading;
}

/** A converter's view of an endpoint: it only records the command it would send (sent later by the adapter). */
class ZclCommandRecorder {
  recorded?: ZclCommand;

  async command(cluster: string, command: string, payload: KeyValue): Promise<void> {
    this.recorded = { cluster, command, payload };
  }
}

/** The converters read options from a device definition; ours declares none, so they use their defaults. */
const NO_DEFINITION = { meta: {} } as unknown as Tz.Meta['mapped'];

async function convertSet(converter: Tz.Converter, key: string, value: unknown): Promise<ZclCommand | undefined> {
  const recorder = new ZclCommandRecorder();
  const meta: Tz.Meta = {
    message: { [key]: value },
    device: undefined,
    mapped: NO_DEFINITION,
    options: {},
    state: {},
    endpoint_name: undefined,
    publish: () => undefined,
    deviceExposesChanged: () => undefined,
  };
  await converter.convertSet?.(recorder as never, key, value, meta);
  return recorder.recorded;
}

type ReportConverter<C extends string> = Fz.Converter<C, undefined, ['attributeReport', 'readResponse']>;

function convert<C extends string>(converter: ReportConverter<C>, message: ReportMessage): KeyValue {
  const meta: Fz.Meta = { state: {}, device: message.device, deviceExposesChanged: () => undefined };
  return (converter.convert(NO_DEFINITION as never, message as never, () => undefined, {}, meta) ?? {}) as KeyValue;
}

/**
 * Checks the raw attribute before the converter reads it: `'absent'` when the frame does not carry it, a problem when
 * its value is not `meaning`, undefined when it is fine.
 */
function checked(message: ReportMessage, attribute: string, valid: (value: unknown) => boolean, meaning: string): ReportReading | 'absent' {
  const value = (message.data as KeyValue)[attribute] ?? droppedValue(message, attribute);
  if (value === undefined) return 'absent';
  if (!valid(value)) return { field: attribute, problem: `${JSON.stringify(value)} is not ${meaning}` };
  return undefined;
}

/**
 * herdsman leaves out of `data` an attribute whose value breaks the ZCL limits (e.g. a lift percentage above 100)
 * and only logs it; we read the value from the frame's bytes so that the problem reaches problems$.
 */
function droppedValue(message: ReportMessage, attribute: string): unknown {
  const cluster = Zcl.Utils.getCluster(message.cluster, undefined, {});
  const id = cluster.attributes[attribute]?.ID;
  // herdsman emits attribute reports and read responses only for frames it parsed, so this parse succeeds too.
  const frame = Zcl.Frame.fromBuffer(cluster.ID, Zcl.Header.fromBuffer(message.meta.rawData), message.meta.rawData, {});
  return (frame.payload as { attrId: number; attrData?: unknown }[]).find((record) => record.attrId === id)?.attrData;
}

const isPercent = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 100;

/** Door lock cluster (ZCL 7.3): lockDoor / unlockDoor; attribute lockState 0 not fully locked, 1 locked, 2 unlocked. */
const DOOR_LOCK: ClusterMapping = {
  cluster: 'closuresDoorLock',
  attribute: 'lockState',
  async command(state) {
    const value = state === 'locked' ? 'LOCK' : state === 'unlocked' ? 'UNLOCK' : undefined;
    return value === undefined ? undefined : convertSet(tz.lock, 'state', value);
  },
  read(message) {
    const check = checked(message, 'lockState', (v) => v === 1 || v === 2, 'locked (1) or unlocked (2); 0 means not fully locked');
    if (check) return check === 'absent' ? undefined : check;
    const lockState = convert(fz.lock, message).lock_state;
    return { state: lockState === 'locked' ? 'locked' : 'unlocked' };
  },
};

/** On/off cluster (ZCL 3.8): on / off; attribute onOff is a boolean. */
const ON_OFF: ClusterMapping = {
  cluster: 'genOnOff',
  attribute: 'onOff',
  async command(state) {
    return state === 'on' || state === 'off' ? convertSet(tz.on_off, 'state', state.toUpperCase()) : undefined;
  },
  read(message) {
    const check = checked(message, 'onOff', (v) => v === 0 || v === 1, 'a boolean (0 or 1)');
    if (check) return check === 'absent' ? undefined : check;
    return { state: convert(fz.on_off, message).state === 'ON' ? 'on' : 'off' };
  },
};

/**
 * Window covering cluster (ZCL 7.4): upOpen / downClose, or goToLiftPercentage for a numeric actuator (percent open,
 * as the converters count it). currentPositionLiftPercentage is 0 when fully open; the converter inverts it.
 */
function windowCovering(numeric: boolean): ClusterMapping {
  return {
    cluster: 'closuresWindowCovering',
    attribute: 'currentPositionLiftPercentage',
    async command(state) {
      if (typeof state === 'number') return isPercent(state) ? convertSet(tz.cover_position_tilt, 'position', state) : undefined;
      const value = state === 'open' ? 'open' : state === 'closed' ? 'close' : undefined;
      return value === undefined ? undefined : convertSet(tz.cover_state, 'state', value);
    },
    read(message) {
      const check = checked(message, 'currentPositionLiftPercentage', isPercent, 'a lift percentage (0 to 100)');
      if (check) return check === 'absent' ? undefined : check;
      const converted = convert(fz.cover_position_tilt, message);
      return { state: numeric ? (converted.position as number) : converted.state === 'CLOSE' ? 'closed' : 'open' };
    },
  };
}

const COVER_KINDS = new Set(['window', 'shutter', 'blind']);
const ON_OFF_KINDS = new Set(['switch', 'light', 'ac', 'av']);

/** The mapping for an actuator kind; `position: true` in the binding's options makes a cover numeric. */
export function clusterMappingFor(kind: string, options: Readonly<Record<string, unknown>> = {}): ClusterMapping | undefined {
  if (kind === 'lock') return DOOR_LOCK;
  if (COVER_KINDS.has(kind)) return windowCovering(options.position === true);
  if (ON_OFF_KINDS.has(kind)) return ON_OFF;
  return undefined;
}
