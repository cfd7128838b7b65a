import { filter } from 'rxjs';
import { ofType } from '../engine';
import { attachClient } from './lib/client';
import { operatorRequestOf, OPERATOR_ACTIONS, type OperatorRequest } from './lib/messages';
import type { Node, NodeAPI, NodeDef } from './lib/node-red';
import { statusOf } from './lib/status-vocabulary';

type OperatorDef = NodeDef & { readonly supervisor?: string } & { readonly [K in keyof OperatorRequest]?: string };

/** The operator's hand (SPEC.md §8): stop, resume, lock, unlock, release a quarantine. The badge shows the stop flag. */
export = function (RED: NodeAPI) {
  RED.nodes.registerType('arbiter-operator', function (this: Node, def: OperatorDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    attachClient(RED, node, def.supervisor, () => {
      if (def.action && !OPERATOR_ACTIONS.includes(def.action as OperatorRequest['action'])) throw new Error(`action: "${def.action}" is not one of ${OPERATOR_ACTIONS.join(', ')}`);
      const configured = { action: def.action || undefined, target: def.target, system: def.system } as Partial<OperatorRequest>;
      return {
        connect(arbiter) {
          node.status(statusOf(RED._, arbiter.tables.metaRow().stopped ? 'stopped' : 'running'));
          return arbiter.events$
            .pipe(
              ofType('operator'),
              filter((e) => e.action === 'stop' || e.action === 'resume'),
            )
            .subscribe((e) => node.status(statusOf(RED._, e.action === 'stop' ? 'stopped' : 'running')));
        },
        async input(arbiter, msg) {
          const { action, ...subject } = operatorRequestOf(msg, configured);
          await arbiter.operator(action, subject);
          if (action !== 'stop' && action !== 'resume') node.status(statusOf(RED._, 'operator', { action, subject: subject.target ?? subject.system }));
        },
      };
    });
  });
};
