import { filter } from 'rxjs';
import { describeEvent, EVENT_TYPES, type ArbiterEventOf, type EventType } from '../engine';
import { standingOf } from './lib/claim-standing';
import { attachClient } from './lib/client';
import { MessageError } from './lib/messages';
import type { Node, NodeAPI, NodeDef, NodeStatus } from './lib/node-red';
import { statusOf } from './lib/status-vocabulary';

interface EventsDef extends NodeDef {
  readonly supervisor?: string;
  /** Event types to pass (SPEC.md's vocabulary and ours); none selected passes every type. */
  readonly types?: readonly string[] | string;
}

/** The input (and the editor button) that acknowledges the alarms the badge shows. */
const ACKNOWLEDGE = 'acknowledge';
/**
 * The node context's key of the alarms not yet acknowledged. Node-RED's default memory context ends whenever the
 * node closes, a redeploy too; a file context store (settings.js) keeps them through redeploys and restarts.
 */
const UNACKNOWLEDGED = 'unacknowledgedAlarms';

function typesOf(raw: EventsDef['types']): Set<EventType> {
  const list = (typeof raw === 'string' ? raw.split(/[\s,]+/) : raw ?? []).filter(Boolean);
  const unknown = list.filter((t) => !EVENT_TYPES.includes(t as EventType));
  if (unknown.length > 0) throw new Error(`types: unknown event type${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${EVENT_TYPES.join(', ')})`);
  return new Set((list.length > 0 ? list : EVENT_TYPES) as EventType[]);
}

/**
 * The engine's events as messages: `msg.topic` = type, `msg.payload` = the event, `msg.description` = a sentence;
 * a conflict also carries `msg.reason`, why the loser waits. An alarm stays on the badge until it is acknowledged
 * (`msg.topic = "acknowledge"`, or the button in the editor): a conflict after it does not hide it, nor, with a
 * file context store, does a redeploy or a restart of Node-RED.
 */
export = function (RED: NodeAPI) {
  RED.httpAdmin.post('/arbiter-events/:id/acknowledge', RED.auth.needsPermission('arbiter-events.write'), (req, res) => {
    const node = RED.nodes.getNode(req.params.id!);
    if (!node || node.type !== 'arbiter-events') return res.sendStatus(404);
    node.receive({ topic: ACKNOWLEDGE });
    res.sendStatus(200);
  });

  RED.nodes.registerType('arbiter-events', function (this: Node, def: EventsDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    attachClient(RED, node, def.supervisor, () => {
      const types = typesOf(def.types);
      const context = node.context();
      const alarms = (context.get(UNACKNOWLEDGED) as ArbiterEventOf<'alarm'>[] | undefined) ?? [];
      const keep = () => context.set(UNACKNOWLEDGED, alarms.length > 0 ? alarms : undefined);
      let conflictBadge: NodeStatus | undefined;
      const showAlarms = () => {
        const last = alarms.at(-1)!;
        const shown = { kind: last.kind, subject: last.target ?? last.system ?? last.rule ?? '' };
        node.status(alarms.length === 1 ? statusOf(RED._, 'alarm', shown) : statusOf(RED._, 'alarms', { count: alarms.length, ...shown }));
      };
      return {
        connect: (arbiter) => {
          if (alarms.length > 0) showAlarms();
          return arbiter.events$.pipe(filter((e) => types.has(e.type))).subscribe((e) => {
            if (e.type === 'conflict') {
              const loser = standingOf(arbiter, e.loser, e.target);
              const reason = loser?.outcome === 'deferred' ? loser.reason : undefined;
              node.send({ topic: e.type, payload: e, description: `${describeEvent(e)}${reason ? `: ${e.loser} waits, ${reason}` : ''}`, ...(reason ? { reason } : {}) });
              conflictBadge = statusOf(RED._, 'conflict', { ...e });
              if (alarms.length === 0) node.status(conflictBadge);
              return;
            }
            node.send({ topic: e.type, payload: e, description: describeEvent(e) });
            if (e.type === 'alarm') {
              alarms.push(e);
              keep();
              showAlarms();
            }
          });
        },
        input(_arbiter, msg) {
          if (msg.topic !== ACKNOWLEDGE) throw new MessageError('msg.topic', `"${String(msg.topic)}": this node takes only "${ACKNOWLEDGE}", which acknowledges the alarms it shows`);
          alarms.length = 0;
          keep();
          node.status(conflictBadge ?? statusOf(RED._, 'ready'));
        },
      };
    });
  });
};
