import type { ConfigIssue } from '../engine/config/config-error';
import type { CheckResult } from './check-config';
import { SEVERITIES, type Finding, type Severity } from './finding';

/** What `home-arbiter check` reports for one file: its findings, or why the file is invalid. */
export type CheckFileResult =
  | { readonly file: string; readonly status: 'checked'; readonly result: CheckResult }
  | { readonly file: string; readonly status: 'invalid'; readonly errors: readonly ConfigIssue[] };

/** SPEC.md §11: 0 when no finding is an error, 1 when one is, 2 when a file is invalid. */
export function checkExitCode(results: readonly CheckFileResult[]): number {
  if (results.some((r) => r.status === 'invalid')) return 2;
  return results.some((r) => r.status === 'checked' && r.result.findings.some((f) => f.severity === 'error')) ? 1 : 0;
}

export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}

export function formatCounts(counts: Record<Severity, number>): string {
  return SEVERITIES.map((s) => `${counts[s]} ${s === 'info' ? 'info' : `${s}${counts[s] === 1 ? '' : 's'}`}`).join(', ');
}

const show = (facts: Readonly<Record<string, unknown>>) => (Object.keys(facts).length === 0 ? 'the initial fact values' : JSON.stringify(facts));

export function humanCheckReport(results: readonly CheckFileResult[]): string {
  const lines: string[] = [];
  const total = { error: 0, warning: 0, info: 0 };
  for (const r of results) {
    if (r.status === 'invalid') {
      lines.push(`INVALID ${r.file}`);
      for (const e of r.errors) lines.push(`  ${r.file}: ${e.path ? `${e.path}: ` : ''}${e.message}`);
      continue;
    }
    const { findings, notes, explored } = r.result;
    const counts = countBySeverity(findings);
    for (const s of SEVERITIES) total[s] += counts[s];
    lines.push(`${r.file}: ${formatCounts(counts)}`);
    for (const f of findings) {
      lines.push(`  ${f.severity.toUpperCase().padEnd(7)} ${f.kind.padEnd(17)} ${f.targets.join(', ') || '-'}`);
      lines.push(`          ${f.message}`);
      if (f.claimants.length > 0) lines.push(`          claimants: ${f.claimants.join(', ')}`);
      if (f.witness) lines.push(`          witness: ${show(f.witness.facts)}`);
    }
    lines.push(`  searched: ${explored.evaluations} rule evaluations over split fact domains, ${explored.replays} witness scenarios replayed, ${explored.cycles} dependency cycle${explored.cycles === 1 ? '' : 's'} of rules`);
    for (const n of notes) lines.push(`  limit: ${n}`);
  }
  const invalid = results.filter((r) => r.status === 'invalid').length;
  lines.push('', `${results.length} file${results.length === 1 ? '' : 's'}: ${formatCounts(total)}${invalid ? `, ${invalid} invalid` : ''}`);
  return lines.join('\n');
}

/** SPEC.md §11: `[{file, findings}]`; `notes` where a bound cut the search; an invalid file with its `errors`. */
export function jsonCheckReport(results: readonly CheckFileResult[]): string {
  return JSON.stringify(
    results.map((r) =>
      r.status === 'invalid'
        ? { file: r.file, status: 'invalid', errors: r.errors }
        : { file: r.file, findings: r.result.findings, ...(r.result.notes.length > 0 ? { notes: r.result.notes } : {}) },
    ),
    null,
    2,
  );
}
