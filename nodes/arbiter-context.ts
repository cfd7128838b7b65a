import { attachClient } from './lib/client';
import { factsOf } from './lib/messages';
import type { Node, NodeAPI, NodeDef } from './lib/node-red';
import { statusOf } from './lib/status-vocabulary';

/** Facts for the policies (SPEC.md §6): `msg.topic` = fact name, `msg.payload` = value. */
export = function (RED: NodeAPI) {
  RED.nodes.registerType('arbiter-context', function (this: Node, def: NodeDef & { supervisor?: string }) {
    RED.nodes.createNode(this, def);
    const node = this;
    attachClient(RED, node, def.supervisor, () => ({
      input(arbiter, msg) {
        const facts = factsOf(msg);
        arbiter.setFacts(facts);
        const [name, value] = Object.entries(facts)[0];
        node.status(statusOf(RED._, 'fact', { name, value: JSON.stringify(value), more: Object.keys(facts).length - 1 }));
      },
    }));
  });
};
