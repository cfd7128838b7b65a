import { performance } from 'node:perf_hooks';
import { checkConfig } from '../check/check-config';
import { countBySeverity, formatCounts } from '../check/check-report';
import { buildCoreConfig } from '../engine/config/arbiter-config';
import { repetitions, round, type BenchOptions, type Row } from './measure';
import { HEADLINE, actuatorId, homeConfig, type HomeShape } from './workload';

/** The shape for the static check: the headline home with 200 rules. */
export const CHECKED: HomeShape = { ...HEADLINE, rules: 200 };

type Rule = { name: string; conditions: unknown; event: { type: string; params: Record<string, unknown> } };

/**
 * The generated home of the headline figures with 200 rules, varied so that every part of the check has work: every
 * other `assert` opens its zone at comfort instead of closing it at property (rules that can hold together with
 * different states), every tenth rule is an interlock on a shutter's actuator fact, and two pairs of rules chase
 * each other through actuator facts on actuators with a default (loops).
 */
export function checkedHome(shape: HomeShape = CHECKED): Record<string, unknown> {
  const home = homeConfig(shape) as { actuators: Record<string, unknown>[]; policies: Rule[] };
  const chasing = [0, 1].map((k) => [actuatorId(4 * k + 3), actuatorId(4 * k + 2)]); // a valve and a blind
  const policies = home.policies.map((rule, i): Rule => {
    if (i % 10 === 5) {
      const shutter = actuatorId(i - (i % 4) + 1);
      const window = actuatorId(i - (i % 4));
      return { name: rule.name, conditions: { all: [{ fact: `actuator:${shutter}`, operator: 'equal', value: 'closed' }] }, event: { type: 'assert', params: { target: window, state: 'closed', category: 'property' } } };
    }
    if (rule.event.type === 'assert' && i % 6 === 3) return { ...rule, event: { type: 'assert', params: { ...rule.event.params, state: 'open', category: 'comfort' } } };
    return rule;
  });
  chasing.forEach(([a, b], k) => {
    policies[10 * k + 1] = { name: `chase-${k}-a`, conditions: { all: [{ fact: `actuator:${b}`, operator: 'equal', value: 'closed' }] }, event: { type: 'assert', params: { target: a, state: 'open', category: 'comfort' } } };
    policies[10 * k + 2] = { name: `chase-${k}-b`, conditions: { all: [{ fact: `actuator:${a}`, operator: 'equal', value: 'open' }] }, event: { type: 'assert', params: { target: b, state: 'open', category: 'comfort' } } };
  });
  const defaults = new Set(chasing.flat());
  const actuators = home.actuators.map((a) => (defaults.has(a.id as string) ? { ...a, initial: 'closed', default: 'closed' } : a));
  return { ...home, actuators, policies };
}

/** One run of `checkConfig`: wall and CPU seconds, and what it found. */
async function timedCheck(config: ReturnType<typeof buildCoreConfig>): Promise<{ seconds: number; cpuSeconds: number; summary: string }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = await checkConfig(config);
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  const summary = `${formatCounts(countBySeverity(result.findings))}; ${result.findings.filter((f) => f.witness).length} witnesses from ${result.explored.replays} replays, ${result.explored.evaluations} rule evaluations, ${result.explored.cycles} cycles, ${result.notes.length} limits`;
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, summary };
}

/**
 * `home-arbiter check` on the generated home. The figure is the first run in a fresh process, as a user running the
 * command gets it (V8 compiles as it goes); the best of the runs after it is in the note.
 */
export async function measureCheck(opts: BenchOptions): Promise<Row[]> {
  const config = buildCoreConfig(checkedHome());
  const first = await timedCheck(config);
  let warm: number | undefined;
  for (let run = 0; run < repetitions(opts); run++) {
    const { seconds } = await timedCheck(config);
    warm = Math.min(warm ?? seconds, seconds);
  }
  const c = `${CHECKED.actuators} actuators, ${CHECKED.systems} systems, ${CHECKED.rules} rules`;
  return [
    { section: 'check', case: c, metric: 'wall time, first run', value: round(first.seconds, 2), unit: 's', note: `${first.summary}; warm, best of ${repetitions(opts)}: ${round(warm!, 2)} s`, id: 'check.wall' },
    { section: 'check', case: c, metric: 'CPU time, first run', value: round(first.cpuSeconds, 2), unit: 's', note: 'user + system', id: 'check.cpu' },
  ];
}
