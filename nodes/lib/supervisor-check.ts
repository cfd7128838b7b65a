import { checkConfig } from '../../check/check-config';
import { findingLine } from '../../check/finding';
import { ConfigError, type ConfigIssue } from '../../engine';
import { parseTextField, supervisorCoreConfig, type SupervisorDef, type SystemDef } from './supervisor-config';

/** The static check on a large home can take a while; the editor waits this long, the deploy runs it in full. */
const STATIC_CHECK_WITHIN_MS = 5000;

/** What the editor learns about a supervisor's configuration before it is deployed. */
export interface SupervisorCheck {
  /** Every problem, each with its field path, as a deploy would report them (`check`: the static check's errors). */
  readonly problems: readonly ConfigIssue[];
  /** The static check's warnings (SPEC.md §11), which a deploy logs and badges. */
  readonly warnings: readonly string[];
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
 * /arbiter-supervisor/check`): the same `supervisorCoreConfig` and static check (`checkConfig`), so the editor and
 * the deploy never disagree.
 */
export async function checkSupervisor(def: SupervisorDef, systems: readonly SystemDef[], userDir: string | undefined, readFile: (path: string) => string): Promise<SupervisorCheck> {
  let problems: ConfigIssue[] = [];
  const warnings: string[] = [];
  try {
    const config = supervisorCoreConfig(def, systems, userDir, readFile);
    const { findings } = await checkConfig(config, { signal: AbortSignal.timeout(STATIC_CHECK_WITHIN_MS) });
    problems = findings.filter((f) => f.severity === 'error').map((f) => ({ path: 'check', message: findingLine(f) }));
    warnings.push(...findings.filter((f) => f.severity === 'warning').map(findingLine));
  } catch (err) {
    if (err instanceof ConfigError) problems = [...err.issues];
    else if (err instanceof Error && err.name === 'TimeoutError') warnings.push(`the static check takes longer than ${STATIC_CHECK_WITHIN_MS / 1000} s here; the deploy runs it in full`);
    else throw err;
  }
  return {
    problems,
    warnings,
    actuators: readable(def, 'actuators', 'id').map((a) => ({
      id: a.id as string,
      ...(typeof a.kind === 'string' ? { kind: a.kind } : {}),
      ...(typeof a.zone === 'string' ? { zone: a.zone } : {}),
      ...(Array.isArray(a.tags) ? { tags: strings(a.tags) } : {}),
    })),
    facts: readable(def, 'facts', 'name').map((f) => f.name as string),
  };
}
