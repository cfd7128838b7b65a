import type { FactDomain } from './fact-domains';

/** Fact values by fact name. */
export type Assignment = Readonly<Record<string, unknown>>;

/** A value as a map key: JSON, with undefined (a fact not set) kept apart from null. */
export const valueKey = (v: unknown): string => (v === undefined ? 'undefined' : JSON.stringify(v));

/** How many assignments the domains have in all. */
export function assignmentCount(domains: readonly FactDomain[]): number {
  return domains.reduce((n, d) => n * d.values.length, 1);
}

function* subsets(n: number, k: number, from = 0): Generator<number[]> {
  if (k === 0) {
    yield [];
    return;
  }
  for (let i = from; i <= n - k; i++) for (const rest of subsets(n, k - 1, i + 1)) yield [i, ...rest];
}

function* changedValues(domains: readonly FactDomain[], chosen: readonly number[], at = 0, into: Record<string, unknown> = {}): Generator<Record<string, unknown>> {
  if (at === chosen.length) {
    yield { ...into };
    return;
  }
  const domain = domains[chosen[at]];
  for (const value of domain.values.slice(1)) {
    into[domain.name] = value;
    yield* changedValues(domains, chosen, at + 1, into);
  }
  delete into[domain.name];
}

/**
 * Every assignment of the domains, the fewest changes from home first: everything at home, then one fact
 * changed, then two... so that a witness found early asks a scenario to set as little as possible.
 */
export function* assignments(domains: readonly FactDomain[]): Generator<Assignment> {
  const home = Object.fromEntries(domains.map((d) => [d.name, d.home]));
  for (let k = 0; k <= domains.length; k++) {
    for (const chosen of subsets(domains.length, k)) {
      for (const changed of changedValues(domains, chosen)) yield { ...home, ...changed };
    }
  }
}

/** The first `n` items. */
export function* takeFirst<T>(items: Iterable<T>, n: number): Generator<T> {
  if (n <= 0) return;
  let taken = 0;
  for (const item of items) {
    yield item;
    if (++taken >= n) return;
  }
}
