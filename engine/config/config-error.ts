/** One problem in a configuration, scenario or policy, located by its field path (`steps[3].command.state`). */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/** Bad input at the boundary: never a stack trace for the user, always the file and the field. */
export class ConfigError extends Error {
  readonly code = 'INVALID_CONFIG';

  constructor(
    readonly issues: readonly ConfigIssue[],
    readonly source?: string,
  ) {
    super(issues.map((i) => `${source ? `${source}: ` : ''}${i.path ? `${i.path}: ` : ''}${i.message}`).join('\n'));
    this.name = 'ConfigError';
  }
}

/** `['steps', 3, 'command', 'state']` → `steps[3].command.state`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

export function joinPath(prefix: string, path: string): string {
  if (!prefix) return path;
  if (!path) return prefix;
  return path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`;
}
