import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../engine/config/config-error';

/** A reusable set of rules with the facts they read, merged into a configuration's `facts` and `policies`. */
export interface PolicyPack {
  readonly description?: string;
  readonly facts: readonly Record<string, unknown>[];
  readonly policies: readonly Record<string, unknown>[];
}

/** The UC4 pack shipped with home-arbiter (policies/uc4.json; see policies/README.md). */
export const UC4_PACK_FILE = join(__dirname, '..', '..', 'policies', 'uc4.json');

export function loadPolicyPack(file: string): PolicyPack {
  let pack: unknown;
  try {
    pack = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError([{ path: '', message: `cannot read policy pack: ${(err as Error).message}` }], file);
  }
  const p = pack as Partial<PolicyPack>;
  if (typeof pack !== 'object' || pack === null || !Array.isArray(p.policies)) throw new ConfigError([{ path: 'policies', message: 'is required: a list of rules' }], file);
  if (p.facts !== undefined && !Array.isArray(p.facts)) throw new ConfigError([{ path: 'facts', message: 'must be a list of fact declarations' }], file);
  return { ...(p.description ? { description: p.description } : {}), facts: p.facts ?? [], policies: p.policies };
}

/** Adds a pack to a raw configuration; a fact the configuration already declares keeps its own declaration. */
export function withPack<T extends object>(config: T & { facts?: unknown[]; policies?: unknown[] }, pack: PolicyPack): T & { facts: unknown[]; policies: unknown[] } {
  const declared = new Set((config.facts ?? []).map((f) => (f as { name?: string }).name));
  return {
    ...config,
    facts: [...(config.facts ?? []), ...pack.facts.filter((f) => !declared.has(f.name as string))],
    policies: [...(config.policies ?? []), ...pack.policies],
  };
}
