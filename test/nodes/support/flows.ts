import type { FlowNode } from './node-red-harness';

/** Flow builders: the node configurations exactly as the editor saves them (strings for JSON fields). */
export const SUPERVISOR = 'sup';

export function supervisor(config: { actuators: unknown[]; facts?: unknown[]; policies?: unknown[] }, extra: Record<string, unknown> = {}): FlowNode {
  return {
    id: SUPERVISOR,
    type: 'arbiter-supervisor',
    name: 'home',
    actuators: JSON.stringify(config.actuators),
    facts: JSON.stringify(config.facts ?? []),
    policies: JSON.stringify(config.policies ?? []),
    persistentWindow: '60s',
    persistentCount: '3',
    ...extra,
  };
}

export function system(id: string, category: string, options: { targets?: string; rank?: number; ttl?: string; wires?: string[] } = {}): FlowNode {
  return { id: `sys-${id}`, type: 'arbiter-system', supervisor: SUPERVISOR, systemId: id, category, rank: options.rank ?? 0, targets: options.targets ?? '', ttl: options.ttl ?? '', wires: [options.wires ?? ['outcomes']] };
}

export function actuator(target: string, id = `act-${target}`, wires = ['dispatches']): FlowNode {
  return { id, type: 'arbiter-actuator', supervisor: SUPERVISOR, target, wires: [wires] };
}

export function events(types: string[], id = 'events', wires = ['seen']): FlowNode {
  return { id, type: 'arbiter-events', supervisor: SUPERVISOR, types, wires: [wires] };
}

export function context(id = 'context'): FlowNode {
  return { id, type: 'arbiter-context', supervisor: SUPERVISOR, wires: [] };
}

export function operator(action = '', extra: Record<string, unknown> = {}, id = 'operator'): FlowNode {
  return { id, type: 'arbiter-operator', supervisor: SUPERVISOR, action, target: '', system: '', wires: [], ...extra };
}

export function helpers(...ids: string[]): FlowNode[] {
  return ids.map((id) => ({ id, type: 'helper' }));
}

/** A Catch node for every error of the flow, into the `errors` helper. */
export function catchAll(): FlowNode[] {
  return [{ id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['errors']] }, ...helpers('errors')];
}
