import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface HotFunction {
  /** `name (file:line)`, the file relative to the working directory. */
  readonly frame: string;
  /** Share of all samples spent in the function itself. */
  readonly self: number;
  /** Share of all samples with the function anywhere on the stack. */
  readonly total: number;
}

function frameOf(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url ? relative(process.cwd(), url.replace(/^file:\/\//, '')) : '';
  return `${functionName || '(anonymous)'}${file ? ` (${file}:${lineNumber + 1})` : ''}`;
}

/** Self and inclusive time per frame, in shares of all samples. A frame on the stack twice (recursion) counts once. */
function shares(file: string): { self: Map<string, number>; total: Map<string, number> } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const weight = profile.timeDeltas[i] ?? 0;
    all += weight;
    const leaf = frameOf(byId.get(id)!);
    self.set(leaf, (self.get(leaf) ?? 0) + weight);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = frameOf(byId.get(at)!);
      if (seen.has(frame)) continue;
      seen.add(frame);
      total.set(frame, (total.get(frame) ?? 0) + weight);
    }
  });
  for (const map of [self, total]) for (const [k, v] of map) map.set(k, v / all);
  return { self, total };
}

/** The hottest functions of a `node --cpu-prof` profile by self time: what the report cites when a target is missed. */
export function hotFunctions(file: string, top = 15): HotFunction[] {
  const { self, total } = shares(file);
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([frame, t]) => ({ frame, self: t, total: total.get(frame) ?? 0 }));
}

/** Inclusive shares of the frames whose name matches, for "where does the time under X go". */
export function inclusiveShares(file: string, pattern: RegExp): { frame: string; total: number }[] {
  return [...shares(file).total.entries()]
    .filter(([frame]) => pattern.test(frame))
    .sort((a, b) => b[1] - a[1])
    .map(([frame, total]) => ({ frame, total }));
}

if (require.main === module) {
  const [file, pattern] = process.argv.slice(2);
  if (!file) throw new Error('usage: node dist/bench/profile-summary.js FILE.cpuprofile [inclusive-pattern]');
  const pct = (x: number) => `${(x * 100).toFixed(1).padStart(5)} %`;
  if (pattern) for (const f of inclusiveShares(file, new RegExp(pattern))) console.log(`${pct(f.total)}  ${f.frame}`);
  else for (const f of hotFunctions(file, 30)) console.log(`${pct(f.self)} self ${pct(f.total)} total  ${f.frame}`);
}
