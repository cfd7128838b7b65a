import type { FactDenialReason } from './events';
import type { FactDeclaration } from './fact-table';

/**
 * Who writes facts (SPEC.md §6): a sensor (an adapter bound to the fact, a scenario `fact` step without `by`) and
 * the operator may set any fact; a control system only the facts whose `writers` list it.
 */
export type FactWriter = 'sensor' | 'operator' | { readonly system: string };

export type FactWriteOutcome =
  | { readonly accepted: true }
  | { readonly accepted: false; readonly fact: string; readonly reason: FactDenialReason };

/** What the checks need to know; the engine answers from its tables. */
export interface FactAdmissionContext {
  hasSystem(id: string): boolean;
  isQuarantined(system: string): boolean;
  declaration(fact: string): FactDeclaration | undefined;
}

/**
 * SPEC.md §6: a write is all or nothing. The checks run in their order (unknown-system, quarantined,
 * unauthorized) and the refusal names the first fact, in the write's order, that the writer may not set. Pure.
 */
export function admitFactWrite(writer: FactWriter, names: readonly string[], ctx: FactAdmissionContext): FactWriteOutcome {
  if (typeof writer === 'string' || names.length === 0) return { accepted: true };
  const refuse = (reason: FactDenialReason, fact = names[0]!): FactWriteOutcome => ({ accepted: false, fact, reason });
  if (!ctx.hasSystem(writer.system)) return refuse('unknown-system');
  if (ctx.isQuarantined(writer.system)) return refuse('quarantined');
  const forbidden = names.find((name) => !ctx.declaration(name)?.writers?.includes(writer.system));
  return forbidden === undefined ? { accepted: true } : refuse('unauthorized', forbidden);
}
