import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigError } from '../engine/config/config-error';
import { parseScenario, type Scenario } from './scenario-schema';

/**
 * Parses YAML 1.2 (core schema: `on`/`off`/`yes`/`no` stay strings, JSON is YAML too). Syntax errors are reported
 * with line and column; everything else with the field path.
 */
export function parseYaml(text: string, source: string): unknown {
  const lines = new LineCounter();
  const doc = parseDocument(text, { version: '1.2', schema: 'core', prettyErrors: false, lineCounter: lines });
  const error = doc.errors[0];
  if (error) {
    const pos = error.linePos?.[0] ?? lines.linePos(error.pos[0]);
    const where = pos ? `line ${pos.line}, column ${pos.col}` : 'YAML';
    throw new ConfigError([{ path: where, message: error.message.split('\n')[0] }], source);
  }
  return doc.toJS({ maxAliasCount: 100 });
}

/** Reads a YAML (or JSON) file; an unreadable file is a ConfigError naming it. */
export function readYamlFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ path: '', message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }], file);
  }
  return parseYaml(text, file);
}

export function loadScenario(file: string): Scenario {
  return parseScenario(readYamlFile(file), file);
}

/** Files and directories (their `.yaml`, `.yml` and `.json` files, sorted) to the list of scenario files. */
export function scenarioFiles(paths: readonly string[]): string[] {
  return paths.flatMap((path) => {
    let isDir = false;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      return [path]; // loadScenario reports it as unreadable, naming the file
    }
    if (!isDir) return [path];
    return readdirSync(path)
      .filter((f) => /\.(ya?ml|json)$/.test(f))
      .sort()
      .map((f) => join(path, f));
  });
}
