import { readFileSync } from 'node:fs';
import type { SupervisorHost } from './lib/client';
import type { NodeAPI } from './lib/node-red';
import { Supervisor, type SupervisorSetup } from './lib/supervisor';
import { storePath, supervisorCoreConfig, type SupervisorDef, type SystemDef } from './lib/supervisor-config';

/**
 * Config node: one engine per supervisor, shared by every client node. The configuration (its own fields and the
 * `arbiter-system` nodes that name it) is validated once; the engine starts when the deployed flows have started,
 * so that every client has registered and sees what the engine does at start-up (SPEC.md §9).
 */
export = function (RED: NodeAPI) {
  function setupOf(def: SupervisorDef): SupervisorSetup {
    const systems: SystemDef[] = [];
    RED.nodes.eachNode((n) => {
      if (n.type === 'arbiter-system' && !n.d && (n as SystemDef).supervisor === def.id) systems.push(n as SystemDef);
    });
    try {
      return { config: supervisorCoreConfig(def, systems, RED.settings.userDir, (p) => readFileSync(p, 'utf8')), storeFile: storePath(def, RED.settings.userDir) };
    } catch (err) {
      return { problem: err instanceof Error ? err.message : String(err) };
    }
  }

  RED.nodes.registerType('arbiter-supervisor', function (this: SupervisorHost, def: SupervisorDef) {
    RED.nodes.createNode(this, def);
    const level = (RED.settings as { logging?: { console?: { level?: string } } }).logging?.console?.level;
    const supervisor = new Supervisor(this, RED._, setupOf(def), level === 'debug' || level === 'trace');
    this.supervisor = supervisor;
    const start = () => supervisor.start();
    RED.events.once('flows:started', start);
    this.on('close', (_removed, done) => {
      RED.events.off('flows:started', start);
      supervisor.stop().then(done, (err: unknown) => {
        this.error(`stopping the arbiter: ${err instanceof Error ? err.message : String(err)}`);
        done();
      });
    });
  });
};
