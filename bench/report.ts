import type { Row } from './measure';

export interface Ratio {
  readonly label: string;
  /** null when one side was not measured (a scenario failed or our Node-RED nodes were missing). */
  readonly value: number | null;
}

export interface TargetCheck {
  readonly target: string;
  readonly measured: number | null;
  readonly unit: string;
  /** null: not measured. */
  readonly met: boolean | null;
  /** What bounds the figure on this machine, measured in the same run. */
  readonly context?: string;
}

const value = (rows: readonly Row[], id: string) => rows.find((r) => r.id === id)?.value ?? null;
const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : Math.round((a / b) * 10) / 10);

/** The ratios of issue 6, each "ours vs theirs" where larger is better for us. */
export function ratios(rows: readonly Row[]): Ratio[] {
  const ours = value(rows, 'nodered.ours');
  return [
    { label: 'decisions/s vs naive (store off vs naive, both in memory)', value: ratio(value(rows, 'decisions.memory.rate'), value(rows, 'naive.rate')) },
    { label: 'decisions/s vs naive (store on vs naive in memory)', value: ratio(value(rows, 'decisions.sqlite.rate'), value(rows, 'naive.rate')) },
    { label: 'decisions per CPU-second vs naive (store off vs naive)', value: ratio(value(rows, 'decisions.memory.cpuRate'), value(rows, 'naive.cpuRate')) },
    { label: 'node-red msgs/s vs function-node priority array', value: ratio(ours, value(rows, 'nodered.function')) },
    { label: 'node-red msgs/s vs blind-control', value: ratio(ours, value(rows, 'nodered.blind')) },
    { label: 'node-red msgs per CPU-second vs function-node priority array', value: ratio(value(rows, 'nodered.ours.cpuRate'), value(rows, 'nodered.function.cpuRate')) },
    { label: 'node-red msgs per CPU-second vs blind-control', value: ratio(value(rows, 'nodered.ours.cpuRate'), value(rows, 'nodered.blind.cpuRate')) },
  ];
}

/** The targets of issue 6, reported against, never asserted. */
export function targets(rows: readonly Row[]): TargetCheck[] {
  const check = (target: string, measured: number | null, unit: string, ok: (v: number) => boolean, context?: string): TargetCheck => ({
    target,
    measured,
    unit,
    met: measured === null ? null : ok(measured),
    ...(context ? { context } : {}),
  });
  // The store-on targets against what the disk alone allows: an engine acknowledging once its bytes are fdatasynced.
  const disk = (id: string, unit: string) => {
    const floor = value(rows, id);
    return floor === null ? undefined : `the disk's floor in this run: ${show(floor)} ${unit}`;
  };
  const alone = (p99: number | null) => (p99 === null ? undefined : `one write + fdatasync alone: p99 ${show(p99)} ms`);
  const joined = (...parts: (string | undefined)[]) => parts.filter((p) => p !== undefined).join('; ') || undefined;
  return [
    check('>= 20x the naive arbiter (decisions/s, both in memory)', ratio(value(rows, 'decisions.memory.rate'), value(rows, 'naive.rate')), 'x', (v) => v >= 20),
    check('>= 20x the naive arbiter (decisions per CPU-second, both in memory)', ratio(value(rows, 'decisions.memory.cpuRate'), value(rows, 'naive.cpuRate')), 'x', (v) => v >= 20),
    check('>= 200,000 decisions/s on one core with the store on', value(rows, 'decisions.sqlite.rate'), '/s', (v) => v >= 200_000, disk('decisions.fsync.rate', '/s')),
    check('>= 200,000 decisions per CPU-second with the store on', value(rows, 'decisions.sqlite.cpuRate'), '/s', (v) => v >= 200_000),
    check('p99 < 1 ms at 10,000 commands/s (store on)', value(rows, 'decisions.sqlite.p99'), 'ms', (v) => v < 1, joined(disk('decisions.fsync.p99', 'ms'), alone(value(rows, 'decisions.disk.p99')))),
    check('p99 < 1 ms at 10,000 commands/s (store off)', value(rows, 'decisions.memory.p99'), 'ms', (v) => v < 1),
    check('< 2 KiB per actuator at 100,000 actuators', value(rows, 'scaling.heap.100000'), 'B', (v) => v < 2048),
    check('1,000,000-step replay in < 10 s', value(rows, 'replay.million'), 's', (v) => v < 10),
    check('1,000,000-step replay in < 10 s of CPU time', value(rows, 'replay.million.cpu'), 's', (v) => v < 10),
    check('check of 1,000 actuators, 50 systems, 200 rules in < 10 s', value(rows, 'check.wall'), 's', (v) => v < 10),
    check('check of 1,000 actuators, 50 systems, 200 rules in < 10 s of CPU time', value(rows, 'check.cpu'), 's', (v) => v < 10),
  ];
}

const show = (v: number | null) => (v === null ? 'not measured' : v.toLocaleString('en-US'));

/** A plain-text table, one row per figure, grouped by section. */
export function formatTable(rows: readonly Row[]): string {
  const cells = rows.map((r) => [r.section, r.case, r.metric, `${show(r.value)}${r.value === null ? '' : ` ${r.unit}`}`, r.note ?? '']);
  const header = ['section', 'case', 'metric', 'value', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((x, i) => (i === 3 ? x.padStart(widths[i]) : x.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

export function formatRatios(list: readonly Ratio[]): string {
  return list.map((r) => `${r.label}: ${r.value === null ? 'not measured' : `${r.value}x`}`).join('\n');
}

export function formatTargets(list: readonly TargetCheck[]): string {
  return list.map((t) => `${t.met === null ? 'NOT MEASURED' : t.met ? 'met   ' : 'MISSED'}  ${t.target}: ${show(t.measured)}${t.measured === null ? '' : ` ${t.unit}`}${t.context ? ` (${t.context})` : ''}`).join('\n');
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** The same as Markdown, for the top README: the table, the ratios and the targets. */
export function formatMarkdown(rows: readonly Row[], ratioList: readonly Ratio[], targetList: readonly TargetCheck[], machine: string): string {
  const table = [
    '| section | case | metric | value | note |',
    '|---|---|---|--:|---|',
    ...rows.map((r) => `| ${cell(r.section)} | ${cell(r.case)} | ${cell(r.metric)} | ${show(r.value)}${r.value === null ? '' : ` ${r.unit}`} | ${cell(r.note ?? '')} |`),
  ];
  const ratioLines = ratioList.map((r) => `- ${r.label}: ${r.value === null ? 'not measured' : `**${r.value}x**`}`);
  const targetLines = targetList.map((t) => `- ${t.met === null ? 'not measured' : t.met ? 'met' : '**missed**'}: ${t.target} (${show(t.measured)}${t.measured === null ? '' : ` ${t.unit}`}${t.context ? `; ${t.context}` : ''})`);
  return [...table, '', ...ratioLines, '', ...targetLines, '', machine, ''].join('\n');
}
