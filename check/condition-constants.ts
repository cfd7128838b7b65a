/**
 * What a rule's json-rules-engine conditions compare each fact against: the constants that split the fact's
 * domain into the regions where every condition keeps its truth value (SPEC.md §11, "Method").
 */
export interface FactComparisons {
  /** Constants compared against the fact's value itself, or an element of it. */
  readonly constants: unknown[];
  /** Constants compared against a part of the fact (`path: $.indoor.temp`), by path. */
  readonly paths: Map<string /* JSONPath */, unknown[]>;
  /** The fact is an array (`contains`, `someFact:`, `everyFact:`). */
  array: boolean;
  /** Facts compared with this one (`value: {fact: other}`): each takes the other's constants. */
  readonly peers: Set<string /* fact name */>;
}

/** Operators over an array fact: the constant is compared with its elements (json-rules-engine 7). */
const ARRAY_FACT_OPERATORS = new Set(['contains', 'doesNotContain', 'someFact', 'everyFact']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function comparisonsOf(into: Map<string, FactComparisons>, fact: string): FactComparisons {
  let entry = into.get(fact);
  if (!entry) into.set(fact, (entry = { constants: [], paths: new Map(), array: false, peers: new Set() }));
  return entry;
}

/**
 * Walks `all`, `any` and `not` to every leaf `{fact, operator, value, path?}`; an operator may carry decorators
 * (`not:someFact:equal`), and an array value (`in`, `someValue:`) contributes each of its elements.
 */
export function collectComparisons(conditions: unknown, into = new Map<string, FactComparisons>()): Map<string, FactComparisons> {
  if (Array.isArray(conditions)) {
    for (const c of conditions) collectComparisons(c, into);
    return into;
  }
  if (!isObject(conditions)) return into;
  for (const key of ['all', 'any', 'not']) if (key in conditions) collectComparisons(conditions[key], into);
  if (typeof conditions.fact !== 'string') return into;
  const entry = comparisonsOf(into, conditions.fact);
  const operators = typeof conditions.operator === 'string' ? conditions.operator.split(':') : [];
  if (operators.some((op) => ARRAY_FACT_OPERATORS.has(op))) entry.array = true;
  const value = conditions.value;
  if (isObject(value) && typeof value.fact === 'string') {
    entry.peers.add(value.fact);
    comparisonsOf(into, value.fact).peers.add(conditions.fact);
    return into;
  }
  const constants = Array.isArray(value) ? value : [value];
  if (typeof conditions.path === 'string') {
    const list = entry.paths.get(conditions.path) ?? [];
    list.push(...constants);
    entry.paths.set(conditions.path, list);
  } else entry.constants.push(...constants);
  return into;
}
