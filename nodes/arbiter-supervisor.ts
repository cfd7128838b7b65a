import { readFileSync } from 'node:fs';
import type { SupervisorHost } from './lib/client';
import type { NodeAPI } from './lib/node-red';
import { parseDuration } from '../engine';
import { Supervisor, TRENDS_EVERY_MS, type SupervisorSetup } from './lib/supervisor';
import { checkSupervisor } from './lib/supervisor-check';
import { storePath, supervisorCoreConfig, type SupervisorDef, type SystemDef } from './lib/supervisor-config';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

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

  // The editor validates a configuration while it is written, with the deploy's own validation: `{supervisor, systems}`
  // (the fields of the dialog and of the arbiter-system nodes that use it) → every problem, actuators and facts.
  // Write permission: the check reads the policies file, and only someone who may deploy may read what it says.
  RED.httpAdmin.post('/arbiter-supervisor/check', RED.auth.needsPermission('arbiter-supervisor.write'), (req, res) => {
    const body = req.body;
    if (!isRecord(body) || !isRecord(body.supervisor) || !Array.isArray(body.systems) || !body.systems.every(isRecord)) {
      return res.status(400).json({ error: '(body): expected {supervisor: {...fields}, systems: [{...fields}]}' });
    }
    const def = { type: 'arbiter-supervisor', ...body.supervisor } as unknown as SupervisorDef;
    checkSupervisor(def, body.systems as unknown as SystemDef[], RED.settings.userDir, (p) => readFileSync(p, 'utf8')).then(
      (result) => res.json(result),
      (err: unknown) => res.status(500).json({ error: `checking the configuration: ${err instanceof Error ? err.message : String(err)}` }),
    );
  });

  /**
   * settings.js `arbiterSupervisorTrendsEvery` (a duration: `30s`, `5m`; a number is ms): how often every supervisor
   * samples the process's trends, as `serve`'s `trends.every`. A bad value is an error that names it, and the
   * default applies: monitoring must not keep the engine from arbitrating.
   */
  function trendsEvery(node: SupervisorHost): number {
    const setting = (RED.settings as { arbiterSupervisorTrendsEvery?: unknown }).arbiterSupervisorTrendsEvery;
    if (setting === undefined) return TRENDS_EVERY_MS;
    const every = parseDuration(setting);
    if (every !== undefined && every > 0) return every;
    node.error(`settings.js arbiterSupervisorTrendsEvery: ${JSON.stringify(setting)} is not a duration above 0 (30s, 5m, or ms); sampling every ${TRENDS_EVERY_MS / 1000}s`);
    return TRENDS_EVERY_MS;
  }

  RED.nodes.registerType('arbiter-supervisor', function (this: SupervisorHost, def: SupervisorDef) {
    RED.nodes.createNode(this, def);
    const level = (RED.settings as { logging?: { console?: { level?: string } } }).logging?.console?.level;
    const supervisor = new Supervisor(this, RED._, setupOf(def), { logDecisions: level === 'debug' || level === 'trace', trendsEvery: trendsEvery(this) });
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
