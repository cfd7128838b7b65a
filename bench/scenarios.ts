import { measureDecisions } from './decisions';
import type { BenchOptions, Row } from './measure';

export interface BenchScenario {
  readonly title: string;
  measure(opts: BenchOptions): Promise<Row[]>;
}

/** Every scenario the runner starts, in the order of the table (`bench/soak.ts` is run on its own). */
export const SCENARIOS = {
  decisions: { title: 'command arbitration, store on and off', measure: measureDecisions },
} satisfies Record<string, BenchScenario>;

export type ScenarioName = keyof typeof SCENARIOS;
