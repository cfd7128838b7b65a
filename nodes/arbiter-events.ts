import { filter } from 'rxjs';
import { describeEvent, EVENT_TYPES, type EventType } from '../engine';
import { attachClient } from './lib/client';
import type { Node, NodeAPI, NodeDef } from './lib/node-red';
import { statusOf } from './lib/status-vocabulary';

interface EventsDef extends NodeDef {
  readonly supervisor?: string;
  /** Event types to pass (SPEC.md's vocabulary and ours); none selected passes every type. */
  readonly types?: readonly string[] | string;
}

function typesOf(raw: EventsDef['types']): Set<EventType> {
  const list = (typeof raw === 'string' ? raw.split(/[\s,]+/) : raw ?? []).filter(Boolean);
  const unknown = list.filter((t) => !EVENT_TYPES.includes(t as EventType));
  if (unknown.length > 0) throw new Error(`types: unknown event type${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${EVENT_TYPES.join(', ')})`);
  return new Set((list.length > 0 ? list : EVENT_TYPES) as EventType[]);
}

/** The engine's events as messages: `msg.topic` = type, `msg.payload` = the event, `msg.description` = a sentence. */
export = function (RED: NodeAPI) {
  RED.nodes.registerType('arbiter-events', function (this: Node, def: EventsDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    attachClient(RED, node, def.supervisor, () => {
      const types = typesOf(def.types);
      return {
        connect: (arbiter) =>
          arbiter.events$.pipe(filter((e) => types.has(e.type))).subscribe((e) => {
            node.send({ topic: e.type, payload: e, description: describeEvent(e) });
            if (e.type === 'conflict') node.status(statusOf(RED._, 'conflict', { ...e }));
            else if (e.type === 'alarm') node.status(statusOf(RED._, 'alarm', { kind: e.kind, subject: e.target ?? e.system ?? e.rule ?? '' }));
          }),
      };
    });
  });
};
