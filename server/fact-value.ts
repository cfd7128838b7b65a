/** A fact value from the network or a plugin is at most this long as JSON, and nested at most this deep (issue 10). */
export const MAX_FACT_BYTES = 4096;
export const MAX_FACT_DEPTH = 16;

/**
 * Why a fact value written over the API or by a plugin is refused, or undefined: facts are sensor readings and
 * modes, and a value that is large or deeply nested is an attack on everything that reads, stores and logs it.
 * The depth is measured without recursion, so that any nesting the JSON parser accepted can be measured.
 */
export function factValueProblem(value: unknown): string | undefined {
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [v, depth] = pending.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > MAX_FACT_DEPTH) return `is nested more than ${MAX_FACT_DEPTH} levels deep`;
    for (const child of Object.values(v)) pending.push([child, depth + 1]);
  }
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? '');
  return bytes > MAX_FACT_BYTES ? `is ${bytes} bytes as JSON, more than ${MAX_FACT_BYTES}` : undefined;
}
