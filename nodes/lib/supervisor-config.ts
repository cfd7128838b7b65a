import { isAbsolute, join } from 'node:path';
import YAML from 'yaml';
import { buildCoreConfig, type CoreConfig } from '../../engine';
import { ConfigError, type ConfigIssue } from '../../engine/config/config-error';
import type { NodeDef } from './node-red';

/**
 * The supervisor's fields as the editor saves them (numbers may arrive as strings). `actuators`, `facts` and
 * `policies` are YAML or JSON text (YAML 1.2, of which JSON is a part, as in scenario files: SPEC.md §10).
 */
export interface SupervisorDef extends NodeDef {
  readonly actuators?: string;
  readonly facts?: string;
  readonly policies?: string;
  readonly policiesFile?: string;
  readonly persistentWindow?: string;
  readonly persistentCount?: string | number;
  readonly persistentFor?: string;
  readonly flappingWindow?: string;
  readonly flappingChanges?: string | number;
  readonly quarantineWindow?: string;
  readonly quarantineDenials?: string | number;
  readonly storeFile?: string;
}

/** A control system as an `arbiter-system` node declares it. */
export interface SystemDef extends NodeDef {
  readonly supervisor?: string;
  readonly systemId?: string;
  readonly category?: string;
  readonly rank?: string | number;
  readonly targets?: string;
}

/** An optional editor field: empty means "not given", a numeric string a number, anything else goes to zod as is. */
function optionalNumber(value: unknown): unknown {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return value;
}

const optionalText = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

function dropUndefined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The system entry of SPEC.md §1 that an `arbiter-system` node describes; targets are comma or space separated. */
export function systemEntryOf(def: SystemDef): Record<string, unknown> {
  const targets = (def.targets ?? '').split(/[\s,]+/).filter(Boolean);
  return dropUndefined({
    id: def.systemId ?? '',
    category: def.category ?? '',
    rank: optionalNumber(def.rank),
    targets: targets.length > 0 ? targets : undefined,
  });
}

/** A path the user typed: relative to Node-RED's user directory, as settings.js paths are. */
const inUserDir = (file: string, userDir: string | undefined) => (isAbsolute(file) || !userDir ? file : join(userDir, file));

const label = (def: NodeDef) => `${def.type} "${def.name || def.id}"`;

export type TextField = 'actuators' | 'facts' | 'policies';

/** A YAML or JSON field of the editor; an empty one is the fallback. */
export function parseTextField(def: SupervisorDef, field: TextField, issues: ConfigIssue[], fallback: unknown[]): unknown {
  const text = def[field];
  if (text === undefined || text.trim() === '') return fallback;
  try {
    return YAML.parse(text) ?? fallback;
  } catch (err) {
    issues.push({ path: field, message: `is not YAML or JSON: ${(err as Error).message.replace(/\s+/g, ' ')}` });
    return fallback;
  }
}

function readPolicies(def: SupervisorDef, userDir: string | undefined, readFile: (path: string) => string, issues: ConfigIssue[]): unknown {
  const file = optionalText(def.policiesFile);
  if (!file) return parseTextField(def, 'policies', issues, []);
  if (optionalText(def.policies) && def.policies!.trim() !== '[]') {
    issues.push({ path: 'policiesFile', message: 'give policies inline or as a file, not both' });
    return [];
  }
  const path = inUserDir(file, userDir);
  try {
    // YAML 1.2 is a superset of JSON: a policies file may be either (SPEC.md §10).
    return YAML.parse(readFile(path));
  } catch (err) {
    issues.push({ path: 'policiesFile', message: `cannot read policies from ${path}: ${(err as Error).message}` });
    return [];
  }
}

/** The raw configuration of SPEC.md §10 (minus systems and steps) that the supervisor's fields describe. */
function rawConfigOf(def: SupervisorDef, userDir: string | undefined, readFile: (path: string) => string): Record<string, unknown> {
  const issues: ConfigIssue[] = [];
  const raw = {
    config: {
      persistentConflict: dropUndefined({ window: optionalText(def.persistentWindow), count: optionalNumber(def.persistentCount), for: optionalText(def.persistentFor) }),
      flapping: dropUndefined({ window: optionalText(def.flappingWindow), changes: optionalNumber(def.flappingChanges) }),
      quarantine: dropUndefined({ window: optionalText(def.quarantineWindow), denials: optionalNumber(def.quarantineDenials) }),
    },
    actuators: parseTextField(def, 'actuators', issues, []),
    facts: parseTextField(def, 'facts', issues, []),
    policies: readPolicies(def, userDir, readFile, issues),
  };
  if (issues.length > 0) throw new ConfigError(issues, label(def));
  return raw;
}

/** Two nodes may speak for one system (one per flow tab, say) as long as they declare it identically. */
function uniqueSystems(systems: readonly SystemDef[]): { entry: Record<string, unknown>; def: SystemDef }[] {
  const seen = new Set<string>();
  return systems
    .map((def) => ({ entry: systemEntryOf(def), def }))
    .filter(({ entry }) => {
      const key = JSON.stringify(entry);
      return seen.has(key) ? false : (seen.add(key), true);
    });
}

/**
 * Validates the whole configuration once (SPEC.md §1, §6, §7) and builds the engine's. Errors name the editor
 * field (`actuators[0].kind`) or, for a system, the `arbiter-system` node that declares it.
 */
export function supervisorCoreConfig(def: SupervisorDef, systems: readonly SystemDef[], userDir: string | undefined, readFile: (path: string) => string): CoreConfig {
  const raw = rawConfigOf(def, userDir, readFile);
  const declared = uniqueSystems(systems);
  try {
    return buildCoreConfig({ ...raw, systems: declared.map((s) => s.entry) }, label(def));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const issues = err.issues.map((issue) => {
      const m = /^systems\[(\d+)\](.*)$/.exec(issue.path);
      return m ? { ...issue, path: `${label(declared[Number(m[1])].def)}${m[2]}` } : issue;
    });
    throw new ConfigError(issues, label(def));
  }
}

/** SPEC.md §9: the store survives redeploys; by default one SQLite file per supervisor in the user directory. */
export function storePath(def: SupervisorDef, userDir: string | undefined): string {
  const file = optionalText(def.storeFile);
  if (file) return inUserDir(file, userDir);
  if (!userDir) throw new ConfigError([{ path: 'storeFile', message: 'is required when Node-RED has no user directory' }], label(def));
  return join(userDir, `home-arbiter-${def.id.replace(/[^A-Za-z0-9_-]/g, '_')}.sqlite`);
}
