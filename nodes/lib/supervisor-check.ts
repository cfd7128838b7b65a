import { ConfigError, type ConfigIssue } from '../../engine';
import { parseTextField, supervisorCoreConfig, type SupervisorDef, type SystemDef } from './supervisor-config';

/** What the editor learns about a supervisor's configuration before it is deployed. */
export interface SupervisorCheck {
  /** Every problem, each with its field path, as a deploy would report them. */
  readonly problems: readonly ConfigIssue[];
  /** The actuators and facts that can be read, for the completions of the other nodes' dialogs. */
  readonly actuators: readonly { readonly id: string; readonly kind?: string; readonly zone?: string; readonly tags?: readonly string[] }[];
  readonly facts: readonly string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** The entries of a YAML or JSON list field that have the given string key, whatever else is wrong with them. */
function readable(def: SupervisorDef, field: 'actuators' | 'facts', key: 'id' | 'name'): Record<string, unknown>[] {
  const list = parseTextField(def, field, [], []);
  return Array.isArray(list) ? list.filter((e): e is Record<string, unknown> => isRecord(e) && typeof e[key] === 'string' && e[key] !== '') : [];
}

/**
 * The deploy-time validation, run by the editor while the configuration is being written (`POST
 * /arbiter-supervisor/check`): the same `supervisorCoreConfig`, so the editor and the deploy never disagree.
 */
export function checkSupervisor(def: SupervisorDef, systems: readonly SystemDef[], userDir: string | undefined, readFile: (path: string) => string): SupervisorCheck {
  let problems: readonly ConfigIssue[] = [];
  try {
    supervisorCoreConfig(def, systems, userDir, readFile);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems = err.issues;
  }
  return {
    problems,
    actuators: readable(def, 'actuators', 'id').map((a) => ({
      id: a.id as string,
      ...(typeof a.kind === 'string' ? { kind: a.kind } : {}),
      ...(typeof a.zone === 'string' ? { zone: a.zone } : {}),
      ...(Array.isArray(a.tags) ? { tags: strings(a.tags) } : {}),
    })),
    facts: readable(def, 'facts', 'name').map((f) => f.name as string),
  };
}
