import { z } from 'zod';
import { arbiterConfigShape, categorySchema, durationSchema, stateSchema, zodIssues } from '../engine/config/arbiter-config';
import { ConfigError, type ConfigIssue } from '../engine/config/config-error';
import { EVENT_TYPES } from '../engine/core/events';
import type { CoreConfig } from '../engine/core/arbiter-core';
import { coreConfigFrom } from '../engine/config/arbiter-config';

const eventType = z.enum(EVENT_TYPES as [string, ...string[]]);
const name = z.string().min(1);

const expectSchema = z.strictObject({
  state: z.record(z.string(), stateSchema).optional(),
  desired: z.record(z.string(), stateSchema).optional(),
  owner: z.record(z.string(), z.string().nullable()).optional(),
  events: z.array(z.looseObject({ type: eventType })).optional(),
  noEvents: z.array(eventType).optional(),
  dispatched: z.array(z.strictObject({ target: name, state: stateSchema, by: name.optional() })).optional(),
});

/** SPEC.md §10 steps: `at` and exactly one action. */
const stepSchema = z.strictObject({
  at: durationSchema,
  command: z.strictObject({ system: name, target: name, state: stateSchema, category: categorySchema.optional(), ttl: durationSchema.optional() }).optional(),
  release: z.strictObject({ system: name, target: name }).optional(),
  fact: z.record(z.string(), z.unknown()).optional(),
  /** The control system writing the `fact` (SPEC.md §10); without it a sensor does. */
  by: name.optional(),
  report: z.strictObject({ target: name, state: stateSchema }).optional(),
  fail: name.optional(),
  recover: name.optional(),
  operator: z.strictObject({ action: z.enum(['stop', 'resume', 'lock', 'unlock', 'release']), target: name.optional(), system: name.optional() }).optional(),
  restart: z.literal(true).optional(),
  expect: expectSchema.optional(),
});

export const STEP_KINDS = ['command', 'release', 'fact', 'report', 'fail', 'recover', 'operator', 'restart', 'expect'] as const;
export type StepKind = (typeof STEP_KINDS)[number];
type RawStep = z.output<typeof stepSchema>;
export type Expectation = z.output<typeof expectSchema>;
export type Step = RawStep & { readonly kind: StepKind; readonly index: number };

const scenarioSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  ...arbiterConfigShape,
  steps: z.array(stepSchema),
});

export interface Scenario {
  readonly name: string;
  readonly description?: string;
  readonly config: CoreConfig;
  readonly steps: readonly Step[];
}

function checkSteps(steps: readonly RawStep[], config: CoreConfig, issues: ConfigIssue[]): Step[] {
  const actuators = new Set(config.actuators.map((a) => a.id));
  let previousAt = 0;
  return steps.map((step, index) => {
    const path = `steps[${index}]`;
    const kinds = STEP_KINDS.filter((k) => step[k] !== undefined);
    if (kinds.length !== 1) issues.push({ path, message: kinds.length === 0 ? `needs one of ${STEP_KINDS.join(', ')}` : `has ${kinds.join(' and ')}: one action per step` });
    if (step.by !== undefined && step.fact === undefined) issues.push({ path: `${path}.by`, message: 'only a fact step takes by (the control system writing the facts)' });
    if (step.at < previousAt) issues.push({ path: `${path}.at`, message: `goes back in time (${step.at} ms after ${previousAt} ms)` });
    previousAt = Math.max(previousAt, step.at);
    for (const key of ['fail', 'recover'] as const) {
      if (step[key] !== undefined && !actuators.has(step[key]!)) issues.push({ path: `${path}.${key}`, message: `unknown actuator "${step[key]}"` });
    }
    if (step.operator) {
      const { action, target, system } = step.operator;
      if ((action === 'lock' || action === 'unlock') && !target && !system) issues.push({ path: `${path}.operator`, message: `${action} needs a target or a system` });
      if (action === 'release' && !system) issues.push({ path: `${path}.operator.system`, message: 'release needs the quarantined system' });
    }
    for (const key of ['state', 'desired', 'owner'] as const) {
      for (const id of Object.keys(step.expect?.[key] ?? {})) {
        if (!actuators.has(id)) issues.push({ path: `${path}.expect.${key}.${id}`, message: `unknown actuator "${id}"` });
      }
    }
    return { ...step, kind: kinds[0] ?? 'expect', index };
  });
}

/** Validates a parsed scenario document; every problem is reported with its field path. */
export function parseScenario(doc: unknown, source: string): Scenario {
  const parsed = scenarioSchema.safeParse(doc);
  if (!parsed.success) throw new ConfigError(zodIssues(parsed.error), source);
  const { name, description, steps, ...rest } = parsed.data;
  const config = coreConfigFrom(rest, source);
  const issues: ConfigIssue[] = [];
  const checked = checkSteps(steps, config, issues);
  if (issues.length > 0) throw new ConfigError(issues, source);
  return { name, ...(description ? { description } : {}), config, steps: checked };
}
