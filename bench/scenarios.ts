import { measureCheck } from './check';
import { measureCluster } from './cluster';
import { measureDecisions } from './decisions';
import type { BenchOptions, Row } from './measure';
import { measureNaive } from './naive';
import { measureNodeRed } from './node-red-flow';
import { measureReplay } from './replay';
import { measureScaling } from './scaling';

export interface BenchScenario {
  readonly title: string;
  measure(opts: BenchOptions): Promise<Row[]>;
}

/** Every scenario the runner starts, in the order of the table (`bench/soak.ts` is run on its own). */
export const SCENARIOS = {
  decisions: { title: 'command arbitration, store on and off', measure: measureDecisions },
  naive: { title: 'naive json-rules-engine arbiter', measure: measureNaive },
  scaling: { title: 'scaling in actuators, systems and rules', measure: measureScaling },
  replay: { title: 'replay of a generated 24-hour scenario', measure: measureReplay },
  'node-red': { title: 'messages/s through one real Node-RED runtime', measure: measureNodeRed },
  check: { title: 'home-arbiter check on a generated home of 200 rules', measure: measureCheck },
  cluster: { title: 'hot standby and fleet over NATS JetStream', measure: measureCluster },
} satisfies Record<string, BenchScenario>;

export type ScenarioName = keyof typeof SCENARIOS;
