/**
 * SPEC.md §6: a fact may go stale after `maxAge` without an update, and then reads as `whenStale`; `writers` are
 * the control systems that may set it.
 */
export interface FactDeclaration {
  readonly name: string;
  readonly maxAge?: number;
  readonly whenStale?: unknown;
  readonly initial?: unknown;
  readonly writers?: readonly string[];
}

export interface FactRecord {
  readonly name: string;
  readonly value: unknown;
  readonly updatedAt: number;
  readonly stale: boolean;
}

/** Facts by name with their freshness; the engine schedules the staleness deadlines this returns. */
export class FactTable {
  private readonly records = new Map<string, FactRecord>();
  private readonly declarations = new Map<string, FactDeclaration>();

  constructor(declarations: readonly FactDeclaration[]) {
    for (const d of declarations) this.declarations.set(d.name, d);
  }

  declaration(name: string): FactDeclaration | undefined {
    return this.declarations.get(name);
  }

  get(name: string): FactRecord | undefined {
    return this.records.get(name);
  }

  value(name: string): unknown {
    return this.records.get(name)?.value;
  }

  names(): IterableIterator<string> {
    return this.records.keys();
  }

  all(): IterableIterator<FactRecord> {
    return this.records.values();
  }

  /** Restores a stored record as it was (SPEC.md §9). */
  restore(record: FactRecord): void {
    this.records.set(record.name, record);
  }

  /** Declared facts that the store did not have: their `initial` value counts as an update now. */
  *missingDeclared(): IterableIterator<FactDeclaration> {
    for (const d of this.declarations.values()) if (!this.records.has(d.name)) yield d;
  }

  /** An update; returns whether the value rules see changed and whether the fact was stale before. */
  update(name: string, value: unknown, now: number): { changed: boolean; wasStale: boolean } {
    const before = this.records.get(name);
    this.records.set(name, { name, value, updatedAt: now, stale: false });
    return { changed: !before || !sameValue(before.value, value) || before.stale, wasStale: before?.stale ?? false };
  }

  /** When the fact goes stale if nothing updates it, or undefined for a fact without `maxAge`. */
  staleAt(name: string): number | undefined {
    const maxAge = this.declarations.get(name)?.maxAge;
    const record = this.records.get(name);
    if (maxAge === undefined || !record || record.stale) return undefined;
    return record.updatedAt + maxAge;
  }

  /** Marks the fact stale if it is due; returns whether it became stale and whether its value changed. */
  expire(name: string, now: number): { becameStale: boolean; changed: boolean } {
    const due = this.staleAt(name);
    const record = this.records.get(name);
    if (due === undefined || due > now || !record) return { becameStale: false, changed: false };
    const whenStale = this.declarations.get(name)?.whenStale;
    this.records.set(name, { name, value: whenStale, updatedAt: record.updatedAt, stale: true });
    return { becameStale: true, changed: !sameValue(record.value, whenStale) };
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
