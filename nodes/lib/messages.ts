import { parseDuration, type OperatorAction } from '../../engine';
import type { NodeMessage } from './node-red';

/** A message the node cannot act on; the text names the message property (`msg.payload.ttl`). */
export class MessageError extends Error {
  readonly code = 'INVALID_MESSAGE';
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'MessageError';
  }
}

export type SystemRequest =
  | { readonly kind: 'command'; readonly target: string; readonly state: unknown; readonly ttl?: number; readonly category?: string }
  | { readonly kind: 'release'; readonly target: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

function ttlOf(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const ms = parseDuration(value);
  if (ms === undefined || ms === 0) throw new MessageError(field, `"${String(value)}" is not a duration (use 250ms, 10s, 5m, 2h, 1d, 1m30s or milliseconds)`);
  return ms;
}

/**
 * An `arbiter-system` input: `msg.payload = {target, state, ttl?, category?}`, or `msg.topic` = target and
 * `msg.payload` = state; `msg.release = true` gives the claim up (SPEC.md §2). `defaultTtl` is the node's lease.
 */
export function systemRequestOf(msg: NodeMessage, defaultTtl?: number): SystemRequest {
  const body = isRecord(msg.payload) ? msg.payload : undefined;
  const target = body && 'target' in body ? body.target : msg.topic;
  const targetField = body && 'target' in body ? 'msg.payload.target' : 'msg.topic';
  if (!nonEmpty(target)) throw new MessageError(targetField, 'the target actuator is required (or give msg.payload.target)');
  if (msg.release === true) return { kind: 'release', target };
  const state = body ? body.state : msg.payload;
  if (state === undefined || state === null || state === '') throw new MessageError(body ? 'msg.payload.state' : 'msg.payload', 'the state to claim is required');
  if (body && body.category !== undefined && !nonEmpty(body.category)) throw new MessageError('msg.payload.category', 'must be a category name');
  const ttl = body && body.ttl !== undefined ? ttlOf(body.ttl, 'msg.payload.ttl') : defaultTtl;
  return {
    kind: 'command',
    target,
    state,
    ...(ttl !== undefined ? { ttl } : {}),
    ...(body && nonEmpty(body.category) ? { category: body.category } : {}),
  };
}

export function nodeTtl(value: unknown): number | undefined {
  return ttlOf(value, 'ttl');
}

export type ActuatorInput =
  | { readonly kind: 'availability'; readonly target: string; readonly available: boolean }
  | { readonly kind: 'report'; readonly target: string; readonly state: unknown }
  | { readonly kind: 'explain'; readonly target: string };

/** The `msg.topic` that asks an `arbiter-actuator` node who owns its actuator and why. */
export const EXPLAIN = 'explain';

/**
 * An `arbiter-actuator` input from the device node: `msg.available = false/true` (SPEC.md §4, unreachable) or
 * `msg.payload` = the state the device reports (§5). `msg.topic` names the actuator when the node watches several.
 * `msg.topic = "explain"` asks for the explanation instead (`msg.payload` names the actuator when it watches several).
 */
export function actuatorInputOf(msg: NodeMessage, watched: readonly string[]): ActuatorInput {
  if (msg.topic === EXPLAIN) {
    const named = msg.payload === undefined || msg.payload === null || msg.payload === '' ? undefined : msg.payload;
    if (named === undefined && watched.length === 1) return { kind: 'explain', target: watched[0] };
    if (typeof named === 'string' && watched.includes(named)) return { kind: 'explain', target: named };
    const problem = named === undefined ? 'is required: one of' : `${JSON.stringify(named)} is not one of`;
    throw new MessageError('msg.payload', `${problem} the actuators this node watches (${watched.join(', ')}), to explain`);
  }
  let target: string;
  if (watched.length === 1 && (msg.topic === undefined || msg.topic === '' || msg.topic === watched[0])) target = watched[0];
  else if (nonEmpty(msg.topic) && watched.includes(msg.topic)) target = msg.topic;
  else {
    const problem = nonEmpty(msg.topic) ? `"${msg.topic}" is not one of` : 'is required: one of';
    throw new MessageError('msg.topic', `${problem} the actuators this node watches (${watched.join(', ')})`);
  }
  if (msg.available !== undefined) {
    if (typeof msg.available !== 'boolean') throw new MessageError('msg.available', 'must be true or false');
    return { kind: 'availability', target, available: msg.available };
  }
  if (msg.payload === undefined || msg.payload === null || msg.payload === '') throw new MessageError('msg.payload', `the state ${target} reports is required`);
  return { kind: 'report', target, state: msg.payload };
}

/** An `arbiter-context` input: `msg.topic` = fact name, `msg.payload` = value; or no topic and an object of facts. */
export function factsOf(msg: NodeMessage): Record<string, unknown> {
  if (nonEmpty(msg.topic)) return { [msg.topic]: msg.payload };
  if (isRecord(msg.payload) && Object.keys(msg.payload).length > 0) return msg.payload;
  throw new MessageError('msg.topic', 'the fact name is required (or send an object of facts in msg.payload)');
}

export const OPERATOR_ACTIONS: readonly OperatorAction[] = ['stop', 'resume', 'lock', 'unlock', 'release'];

export interface OperatorRequest {
  readonly action: OperatorAction;
  readonly target?: string;
  readonly system?: string;
}

/**
 * An `arbiter-operator` input (SPEC.md §8): the node's configured action, or `msg.payload = {action, target?, system?}`,
 * or `msg.topic` = action. `lock`/`unlock` need a target or a system; `release` needs a system.
 */
export function operatorRequestOf(msg: NodeMessage, configured: Partial<OperatorRequest>): OperatorRequest {
  const body = isRecord(msg.payload) ? msg.payload : {};
  const action = body.action ?? (nonEmpty(msg.topic) ? msg.topic : undefined) ?? configured.action;
  const field = body.action !== undefined ? 'msg.payload.action' : nonEmpty(msg.topic) ? 'msg.topic' : 'action';
  if (!OPERATOR_ACTIONS.includes(action as OperatorAction)) throw new MessageError(field, `"${String(action)}" is not an operator action (${OPERATOR_ACTIONS.join(', ')})`);
  const pick = (key: 'target' | 'system') => (nonEmpty(body[key]) ? (body[key] as string) : nonEmpty(configured[key]) ? configured[key] : undefined);
  const target = pick('target');
  const system = pick('system');
  if ((action === 'lock' || action === 'unlock') && !target && !system) throw new MessageError('msg.payload.target', `${action} needs a target or a system`);
  if (action === 'release' && !system) throw new MessageError('msg.payload.system', 'release needs the quarantined system');
  return { action: action as OperatorAction, ...(target ? { target } : {}), ...(system ? { system } : {}) };
}
