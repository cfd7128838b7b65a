/**
 * What a zigbee2mqtt bridge publishes under its base topic (zigbee2mqtt docs, "MQTT topics and messages"):
 * `<base>/bridge/state` and `<base>/<name>/availability` carry `{"state":"online"|"offline"}`, `<base>/<name>`
 * carries the device's JSON state. Friendly names may contain `/`, so the layout is read from the ends.
 */
export type BridgeMessage =
  | { readonly kind: 'bridge-state' }
  | { readonly kind: 'bridge-logging' }
  | { readonly kind: 'availability'; readonly name: string }
  | { readonly kind: 'state'; readonly name: string }
  /** Other bridge topics (`bridge/devices`, `bridge/logging`, ...) and commands (`/set`, `/get`), ours included. */
  | { readonly kind: 'other' };

const COMMAND_SUFFIX = /\/(set|get)(\/.*)?$/;

export function classifyTopic(baseTopic: string, topic: string): BridgeMessage {
  if (!topic.startsWith(`${baseTopic}/`)) return { kind: 'other' };
  const rest = topic.slice(baseTopic.length + 1);
  if (rest === 'bridge/state') return { kind: 'bridge-state' };
  if (rest === 'bridge/logging') return { kind: 'bridge-logging' };
  if (rest === 'bridge' || rest.startsWith('bridge/') || COMMAND_SUFFIX.test(rest) || rest === '') return { kind: 'other' };
  if (rest.endsWith('/availability')) return { kind: 'availability', name: rest.slice(0, -'/availability'.length) };
  return { kind: 'state', name: rest };
}

/**
 * `{"state":"online"}` (zigbee2mqtt 1.x and 2.x) or the legacy plain `online`; a string naming the fault for
 * anything else.
 */
export function parseOnline(payload: string): boolean | { error: string } {
  const text = payload.trim();
  if (text === 'online' || text === 'offline') return text === 'online';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: `not JSON: ${JSON.stringify(abbreviate(text))}` };
  }
  const state = typeof value === 'object' && value !== null ? (value as Record<string, unknown>).state : undefined;
  if (state === 'online' || state === 'offline') return state === 'online';
  return { error: `state: expected "online" or "offline", got ${JSON.stringify(state)}` };
}

/** Parses a device state message: a JSON object, or a string naming the fault. */
export function parseStateObject(payload: string): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return { ok: false, error: `not JSON: ${JSON.stringify(abbreviate(payload))}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, error: `expected a JSON object, got ${JSON.stringify(abbreviate(payload))}` };
  return { ok: true, value: value as Record<string, unknown> };
}

/** Payloads in problem messages stay short: a broken device can publish kilobytes. */
function abbreviate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** A command to one device that zigbee2mqtt could not carry out, as it logs it on `<base>/bridge/logging`. */
export interface FailedCommand {
  readonly type: 'set' | 'get';
  readonly property: string;
  readonly name: string;
  /** The device said no (a ZCL status other than SUCCESS), as opposed to no answer at all. */
  readonly refused: boolean;
  readonly error: string;
}

// lib/extension/publish.ts: `Publish '${type}' '${key}' to '${name}' failed: '${error}'`; zigbee2mqtt 2.x puts its
// logger's namespace before it on bridge/logging (`z2m: Publish ...`).
const FAILED_COMMAND = /^(?:[\w:-]+: )?Publish '(set|get)' '([^']*)' to '(.*)' failed: '([\s\S]*)'$/;
// herdsman's Zcl.StatusError: "... failed (Status 'UNSUPPORTED_ATTRIBUTE')"; a time-out names no status. herdsman
// checks the status of foundation commands only (read, write, configure reporting): a device refusing a cluster
// command (lockDoor, on, upOpen) is not reported as failed at all.
const ZCL_STATUS = /Status '([A-Z_]+)'/;

/** Reads a `bridge/logging` payload (`{"level":"error","message":...}`): a failed command, or undefined for any other line. */
export function parseFailedCommand(payload: string): FailedCommand | undefined {
  const parsed = parseStateObject(payload);
  if (!parsed.ok || parsed.value.level !== 'error' || typeof parsed.value.message !== 'string') return undefined;
  const match = FAILED_COMMAND.exec(parsed.value.message);
  if (!match) return undefined;
  const [, type, property, name, error] = match;
  const status = ZCL_STATUS.exec(error!)?.[1];
  return { type: type as 'set' | 'get', property: property!, name: name!, refused: status !== undefined && status !== 'SUCCESS', error: error! };
}
