import { basename } from 'node:path';
import { formatDuration } from '../engine/core/duration';
import { describeEvent } from '../engine/describe';
import type { ScenarioRun } from './run-scenario';

/** What `home-arbiter replay` prints for one file: a run, or the reason the file is invalid. */
export type ReplayResult =
  | { readonly file: string; readonly status: 'passed' | 'failed'; readonly run: ScenarioRun }
  | { readonly file: string; readonly status: 'invalid'; readonly errors: readonly { path: string; message: string }[] };

/** SPEC.md §10: 0 all passed, 1 an expectation failed, 2 a scenario or its policies are invalid. */
export function exitCode(results: readonly ReplayResult[]): number {
  if (results.some((r) => r.status === 'invalid')) return 2;
  if (results.some((r) => r.status === 'failed')) return 1;
  return 0;
}

export function humanReport(results: readonly ReplayResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    const name = basename(r.file);
    if (r.status === 'invalid') {
      lines.push(`INVALID ${name}`);
      for (const e of r.errors) lines.push(`  ${r.file}: ${e.path ? `${e.path}: ` : ''}${e.message}`);
      continue;
    }
    const { run } = r;
    const dispatches = run.events.filter((e) => e.type === 'dispatched').length;
    const conflicts = run.events.filter((e) => e.type === 'conflict').length;
    const alarms = run.events.filter((e) => e.type === 'alarm').length;
    lines.push(`${r.status === 'passed' ? 'PASS' : 'FAIL'}    ${name}: ${run.name} (${plural(run.steps, 'step')}; ${plural(dispatches, 'dispatch', 'dispatches')}, ${plural(conflicts, 'conflict')}, ${plural(alarms, 'alarm')})`);
    for (const f of run.failures) {
      lines.push(`  ${r.file}: steps[${f.index}] at ${formatDuration(f.at)} (${f.kind})`);
      for (const p of f.problems) lines.push(`    ${p}`);
      lines.push(`    events since the previous expect:${f.events.length === 0 ? ' none' : ''}`);
      for (const e of f.events) lines.push(`      ${formatDuration(e.at).padStart(8)}  ${e.type.padEnd(10)} ${describeEvent(e)}`);
    }
  }
  const count = (s: string) => results.filter((r) => r.status === s).length;
  lines.push('', `${count('passed')} passed, ${count('failed')} failed${count('invalid') ? `, ${count('invalid')} invalid` : ''}`);
  return lines.join('\n');
}

export function jsonReport(results: readonly ReplayResult[]): string {
  return JSON.stringify(
    results.map((r) =>
      r.status === 'invalid'
        ? r
        : { file: r.file, status: r.status, name: r.run.name, steps: r.run.steps, events: r.run.events.length, failures: r.run.failures },
    ),
    null,
    2,
  );
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
