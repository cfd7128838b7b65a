import type { Subscription } from 'rxjs';
import type { Arbiter, CoreConfig } from '../../engine';
import type { Node, NodeAPI, NodeMessage, Send } from './node-red';
import { statusOf } from './status-vocabulary';
import type { Supervisor } from './supervisor';

/** The `arbiter-supervisor` config node instance: a Node-RED node carrying its Supervisor. */
export type SupervisorHost = Node & { supervisor?: Supervisor };

export interface ClientBehaviour {
  /** Subscribes to what the node shows or sends once the engine runs. */
  connect?(arbiter: Arbiter): Subscription | undefined;
  /** Handles one input message; a thrown error reaches `done(err)`, so Catch nodes see it. */
  input?(arbiter: Arbiter, msg: NodeMessage, send: Send): Promise<void> | void;
  /** The node was deleted or disabled (not merely redeployed): gives up what it holds in the engine. */
  removed?(arbiter: Arbiter): Promise<void> | void;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The life of every client node: find the supervisor, validate the node's own configuration once against the
 * supervisor's (`behaviourOf` throws when it is invalid), register, attach `input` only when everything is valid
 * (STYLE.md, Node-RED nodes), deregister on close.
 */
export function attachClient(RED: NodeAPI, node: Node, supervisorId: unknown, behaviourOf: (config: CoreConfig) => ClientBehaviour): void {
  const host = typeof supervisorId === 'string' && supervisorId ? (RED.nodes.getNode(supervisorId) as SupervisorHost | null) : null;
  const supervisor = host?.supervisor;
  if (!supervisor) {
    const badge = statusOf(RED._, 'no-supervisor');
    node.status(badge);
    node.error(badge.text);
    return;
  }
  let behaviour: ClientBehaviour = {};
  if (supervisor.config) {
    try {
      behaviour = behaviourOf(supervisor.config);
    } catch (err) {
      node.error(`${node.type} "${node.name || node.id}": ${message(err)}`);
      node.status(statusOf(RED._, 'invalid'));
      return;
    }
  }
  const client = { node, connect: (arbiter: Arbiter) => behaviour.connect?.(arbiter) };
  supervisor.register(client);
  node.on('close', (removed, done) => {
    supervisor.deregister(client);
    const release = behaviour.removed;
    if (!removed || !release) return done();
    supervisor
      .ready()
      .then((arbiter) => (arbiter.running ? release(arbiter) : undefined))
      .then(
        () => done(),
        (err: unknown) => {
          node.error(`${node.type} "${node.name || node.id}": removing it from the engine failed: ${message(err)}`);
          done();
        },
      );
  });
  const handle = behaviour.input;
  if (!handle) return;
  node.on('input', (msg, send, done) => {
    supervisor
      .ready()
      .then((arbiter) => handle(arbiter, msg, send))
      .then(
        () => done(),
        (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
      );
  });
}
