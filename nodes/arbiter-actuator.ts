import { filter } from 'rxjs';
import { ofType, type Arbiter, type CoreConfig } from '../engine';
import { selectorError, selects } from '../engine/core/selector';
import { attachClient } from './lib/client';
import { describeExplanation } from './lib/explanation';
import { actuatorInputOf, MessageError } from './lib/messages';
import type { Node, NodeAPI, NodeDef } from './lib/node-red';
import { statusOf } from './lib/status-vocabulary';

interface ActuatorDef extends NodeDef {
  readonly supervisor?: string;
  /** An actuator id or a selector (SPEC.md §1): `kind:window`, `zone:living`, `tag:…`, `*`. */
  readonly target?: string;
}

function watchedBy(target: string | undefined, config: CoreConfig): string[] {
  const selector = (target ?? '').trim();
  const problem = selectorError(selector);
  if (problem) throw new Error(`target: ${problem}`);
  const ids = config.actuators.filter((a) => selects(selector, a)).map((a) => a.id);
  if (ids.length === 0) throw new Error(`target: "${selector}" matches no actuator of the supervisor`);
  return ids;
}

/**
 * The device side of one actuator or a selection: dispatches go out to be wired into a device node (one message
 * per dispatch, `msg.topic` = actuator id, `msg.payload` = state); the device's reports and availability come in.
 * `msg.topic = "explain"` answers with `explain()`: who owns the actuator, and why every other claim waits.
 */
export = function (RED: NodeAPI) {
  RED.nodes.registerType('arbiter-actuator', function (this: Node, def: ActuatorDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    attachClient(RED, node, def.supervisor, (config) => {
      const watched = watchedBy(def.target, config);
      const single = watched.length === 1;
      return {
        connect(arbiter: Arbiter) {
          const subscription = arbiter.events$
            .pipe(
              ofType('dispatched'),
              filter((e) => watched.includes(e.target)),
            )
            .subscribe((e) => {
              node.send({ topic: e.target, payload: e.state, by: e.by });
              if (!single) node.status(statusOf(RED._, 'dispatched', { target: e.target, state: e.state }));
            });
          if (!single) node.status(statusOf(RED._, 'watching', { count: watched.length }));
          // One actuator: the badge shows who owns it and its state, live (actuator$ emits the view now and on change).
          else
            subscription.add(
              arbiter.actuator$(watched[0]).subscribe((view) => {
                const word = !view.available ? 'unavailable' : view.owner ? 'owned' : 'unowned';
                node.status(statusOf(RED._, word, { target: view.id, owner: view.owner, state: view.state ?? '?' }));
              }),
            );
          return subscription;
        },
        input(arbiter, msg, send) {
          const request = actuatorInputOf(msg, watched);
          if (request.kind === 'explain') {
            const explanation = arbiter.explain(request.target)!;
            send({ ...msg, payload: explanation, description: describeExplanation(explanation) });
            return;
          }
          if (request.kind === 'availability') {
            arbiter.setAvailability(request.target, request.available);
            return;
          }
          // SPEC.md §5: a report differing from the state is a manual change; an unknown state changes nothing.
          if (!arbiter.report(request.target, request.state)) throw new MessageError('msg.payload', `"${String(request.state)}" is not a state of ${request.target}`);
        },
      };
    });
  });
};
