import { filter } from 'rxjs';
import { buildCoreConfig, type Arbiter, type Outcome } from '../engine';
import { ClaimStanding, standingOf, type StandingChange } from './lib/claim-standing';
import { attachClient } from './lib/client';
import { nodeTtl, systemRequestOf } from './lib/messages';
import type { Node, NodeAPI } from './lib/node-red';
import { statusOf } from './lib/status-vocabulary';
import { systemEntryOf, type SystemDef } from './lib/supervisor-config';

/**
 * A control system (SPEC.md §1): its commands become claims; each outcome goes out in `msg.payload`, a deferred
 * one with the reason it waits. Afterwards the badge follows each claim, and a change of its standing (the claim
 * starts winning, is deferred again, expires, is revoked or removed) goes out as a message of its own.
 */
export = function (RED: NodeAPI) {
  RED.nodes.registerType('arbiter-system', function (this: Node, def: SystemDef & { ttl?: string }) {
    RED.nodes.createNode(this, def);
    const node = this;
    attachClient(RED, node, def.supervisor, () => {
      // The supervisor validated every system node together; this node checks its own again because a "modified
      // nodes" deploy restarts it alone, with a spec the supervisor has not seen.
      const [spec] = buildCoreConfig({ actuators: [], systems: [systemEntryOf(def)] }).systems;
      const ttl = nodeTtl(def.ttl);
      let standing: ClaimStanding | undefined;
      const badgeOutcome = (target: string, state: unknown, outcome: Outcome) => {
        if (outcome.outcome === 'denied' && outcome.reason === 'quarantined') node.status(statusOf(RED._, 'quarantined'));
        else node.status(statusOf(RED._, outcome.outcome, { target, state, ...outcome }));
      };
      const changed = ({ target, state, standing: now }: StandingChange) => {
        // A quarantine removes every claim of the system: its badge says quarantined, whatever the claims say.
        if (!(now.outcome === 'released' && now.reason === 'quarantine')) node.status(statusOf(RED._, now.outcome, { target, state, ...now }));
        node.send({ topic: target, payload: { ...now, system: spec.id, target, state } });
      };
      return {
        connect(arbiter: Arbiter) {
          arbiter.registerSystem(spec);
          if (arbiter.tables.isQuarantined(spec.id)) node.status(statusOf(RED._, 'quarantined'));
          standing = new ClaimStanding(arbiter, spec.id, changed);
          const subscription = standing.start();
          // SPEC.md §7 quarantine and §8 release: the badge follows the system's standing.
          subscription.add(
            arbiter.events$
              .pipe(filter((e) => (e.type === 'alarm' && e.kind === 'quarantine' && e.system === spec.id) || (e.type === 'operator' && e.action === 'release' && e.system === spec.id)))
              .subscribe((e) => node.status(statusOf(RED._, e.type === 'alarm' ? 'quarantined' : 'ready'))),
          );
          return subscription;
        },
        async input(arbiter, msg, send) {
          const request = systemRequestOf(msg, ttl);
          if (request.kind === 'release') {
            await arbiter.release(spec.id, request.target);
            standing?.forget(request.target);
            node.status(statusOf(RED._, 'released', { target: request.target }));
            send({ ...msg, payload: { outcome: 'released', system: spec.id, target: request.target } });
            return;
          }
          const { target, state, ttl: lease, category } = request;
          const outcome = await arbiter.command({ system: spec.id, target, state, ttl: lease, category });
          badgeOutcome(target, state, outcome);
          // The reason a deferred claim waits, in the words of the status page ("its category comfort is below property").
          const now = outcome.outcome === 'deferred' ? standingOf(arbiter, spec.id, target) : undefined;
          send({ ...msg, payload: { ...outcome, ...(now?.outcome === 'deferred' ? { reason: now.reason } : {}), system: spec.id, target, state } });
        },
      };
    });
  });
};
