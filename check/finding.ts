/** SPEC.md §11: what the static check can find, and how serious each kind is. */
export const SEVERITY = {
  loop: 'error',
  tie: 'warning',
  'dead-rule': 'warning',
  'manual-overridden': 'warning',
  conflict: 'info',
} as const;

export type FindingKind = keyof typeof SEVERITY;
export type Severity = (typeof SEVERITY)[FindingKind];
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/** Fact values under which the finding happens: a scenario that sets them shows it at run time. */
export interface Witness {
  readonly facts: Readonly<Record<string, unknown>>;
}

export interface Finding {
  readonly kind: FindingKind;
  readonly severity: Severity;
  /** Every actuator the finding concerns, sorted. */
  readonly targets: readonly string[];
  /** Sorted system ids, `policy:<rule>` or `manual`. */
  readonly claimants: readonly string[];
  readonly rules?: readonly string[];
  readonly witness?: Witness;
  readonly message: string;
}

const sorted = (items: Iterable<string>) => [...new Set(items)].sort();

export function finding(kind: FindingKind, fields: { targets: Iterable<string>; claimants: Iterable<string>; rules?: Iterable<string>; message: string }): Finding {
  const rules = fields.rules ? sorted(fields.rules) : [];
  return {
    kind,
    severity: SEVERITY[kind],
    targets: sorted(fields.targets),
    claimants: sorted(fields.claimants),
    ...(rules.length > 0 ? { rules } : {}),
    message: fields.message,
  };
}

/** Errors first, then warnings, then the conflict map; within a severity by kind, then claimants. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
    a.kind.localeCompare(b.kind) ||
    a.claimants.join(',').localeCompare(b.claimants.join(',')) ||
    a.targets.join(',').localeCompare(b.targets.join(','))
  );
}

/** What to change when a finding is a mistake (doctor prints it beside the finding). */
export const FIX: Record<FindingKind, string> = {
  loop: 'make the rules exclude each other (a condition on a fact they do not change), or drop the default that brings the actuator back; `home-arbiter check --scenarios DIR` writes the witness as a scenario',
  tie: 'give one claimant a higher rank (systems[].rank, or the rule\'s rank) or another category, so that the lattice decides rather than the order of arrival',
  'dead-rule': 'fix the conditions (a misspelt fact or state, an empty range, a value of the wrong type) or remove the rule',
  'manual-overridden': 'if a person must win there, set actuators[].manual.category to the category of the automation; otherwise narrow the targets of the systems or rules named',
  conflict: 'none needed: the lattice resolves it',
};

/** One line naming the kind, the actuators and the rules, for logs that show findings one by one. */
export function findingLine(f: Finding): string {
  const where = f.targets.length > 0 ? ` on ${f.targets.join(', ')}` : '';
  const rules = f.rules && f.rules.length > 0 ? ` (rule${f.rules.length > 1 ? 's' : ''} ${f.rules.join(', ')})` : '';
  return `${f.kind}${where}${rules}: ${f.message}`;
}
