import type { CommandInput } from '../engine/core/admission';
import { CATEGORIES, type Category } from '../engine/core/category';
import type { StateValue } from '../engine/core/actuator';

/** Deterministic PRNG (mulberry32): every run, ours and the baselines', sees the same home and the same commands. */
export class Rng {
  private seed: number;

  constructor(seed = 1) {
    this.seed = seed >>> 0;
  }

  next(): number {
    let t = (this.seed = (this.seed + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

export interface HomeShape {
  readonly actuators: number;
  readonly systems: number;
  readonly rules: number;
}

/** The shape the issue fixes for the headline figures. */
export const HEADLINE: HomeShape = { actuators: 1_000, systems: 50, rules: 20 };

/** Kinds with the two states open and closed, so that every command has one opposite state to conflict with. */
const KINDS = ['window', 'shutter', 'blind', 'valve'] as const;
/** Sensors the rules read; a fact step or `setFacts` changes them. */
export const SENSOR_FACTS = ['outdoorTemp', 'wind', 'rain', 'presence', 'smoke', 'lux', 'co2', 'humidity', 'hour', 'power'];
const ZONE_SIZE = 20;

export const zoneOf = (i: number) => `z${Math.floor(i / ZONE_SIZE)}`;
export const actuatorId = (i: number) => `${zoneOf(i)}.${KINDS[i % KINDS.length]}${i}`;
export const systemId = (i: number) => `sys${i}`;

/**
 * A system's category: a few life and property systems (alarm, leak, security), most of them comfort
 * (climate, scenes, schedules), the rest entertainment (media, voice assistants).
 */
function systemCategory(i: number, n: number): Category {
  const share = i / n;
  if (share < 0.05) return 'life';
  if (share < 0.2) return 'property';
  if (share < 0.7) return 'comfort';
  return 'entertainment';
}

interface BenchSystem {
  readonly id: string;
  readonly category: Category;
  readonly rank: number;
  /** The zones it may command; undefined: every actuator. */
  readonly zones?: readonly number[];
}

const zoneCount = (shape: HomeShape) => Math.max(1, Math.ceil(shape.actuators / ZONE_SIZE));
const ZONES_PER_SYSTEM = 3;

/**
 * Life systems (smoke, CO) may command everything; every other system covers three zones spread over the home, so
 * that an actuator sees a handful of claimants (about five at the headline shape), as in a real home.
 */
function benchSystems(shape: HomeShape): BenchSystem[] {
  const zones = zoneCount(shape);
  return Array.from({ length: shape.systems }, (_, i) => {
    const category = systemCategory(i, shape.systems);
    const base = { id: systemId(i), category, rank: i % 4 };
    if (category === 'life') return base;
    return { ...base, zones: [...new Set(Array.from({ length: ZONES_PER_SYSTEM }, (_, j) => (i * ZONES_PER_SYSTEM + j * 17) % zones))] };
  });
}

/**
 * One rule per index, cycling through the three event types on ten sensors: an assert that closes a zone's
 * shutters or windows, a forbid on opening in a zone, a notify. About half of them hold with `sensorValues(0)`.
 */
function rule(i: number, zones: number) {
  const fact = SENSOR_FACTS[i % SENSOR_FACTS.length];
  const conditions = { all: [{ fact, operator: 'greaterThan', value: 50 + (i % 7) }] };
  const zone = `zone:z${i % zones}`;
  switch (i % 3) {
    case 0:
      return { name: `rule${i}`, conditions, event: { type: 'assert', params: { target: zone, state: 'closed', category: 'property', rank: i % 3 } } };
    case 1:
      return { name: `rule${i}`, conditions, event: { type: 'forbid', params: { target: zone, state: 'open', below: 'comfort' } } };
    default:
      return { name: `rule${i}`, conditions, event: { type: 'notify', params: { message: `${fact} high` } } };
  }
}

/**
 * Sensor values at phase `phase`: each sensor alternates between below and above every rule's threshold, so a
 * change of phase starts and stops about half of the rules.
 */
export function sensorValues(phase: number): Record<string, number> {
  const values: Record<string, number> = {};
  SENSOR_FACTS.forEach((name, i) => (values[name] = (i + phase) % 2 === 0 ? 40 : 60));
  return values;
}

/** The `k`-th fact change: one sensor crosses the thresholds, starting or stopping the rules that read it. */
export function sensorChange(k: number): Record<string, number> {
  const name = SENSOR_FACTS[k % SENSOR_FACTS.length];
  return { [name]: sensorValues(Math.floor(k / SENSOR_FACTS.length) + 1)[name] };
}

/**
 * The raw configuration of a generated home (what `buildCoreConfig` takes): zones of 20 actuators, every one
 * open or closed, so that a rule's `closed` assert applies to its whole zone.
 */
export function homeConfig(shape: HomeShape): Record<string, unknown> {
  const zones = zoneCount(shape);
  const actuators = Array.from({ length: shape.actuators }, (_, i) => ({ id: actuatorId(i), kind: KINDS[i % KINDS.length], zone: zoneOf(i) }));
  const systems = benchSystems(shape).map(({ id, category, rank, zones }) => ({ id, category, rank, ...(zones ? { targets: zones.map((z) => `zone:z${z}`) } : {}) }));
  const policies = Array.from({ length: shape.rules }, (_, i) => rule(i, zones));
  const facts = SENSOR_FACTS.map((name) => ({ name, initial: sensorValues(0)[name] }));
  return { actuators, systems, facts, policies };
}

/** What the generator needs to know of the arbiter under test: the winner and desired state of an actuator. */
export interface ArbiterPeek {
  (target: string): { readonly winner: string | null; readonly desired: StateValue | undefined };
}

const STATES: readonly StateValue[] = ['open', 'closed'];

/**
 * Commands of which a fixed share conflicts (SPEC.md §3: another claimant than the current winner asks for a
 * different state). The rest agree with the winner's state, or come from the winner itself. It reads the
 * arbiter under test as it goes, so the share holds whatever the arbiter decided before.
 */
export class CommandGenerator {
  private readonly rng: Rng;
  private readonly byZone: BenchSystem[][];

  constructor(
    private readonly shape: HomeShape,
    private readonly peek: ArbiterPeek,
    private readonly conflictShare = 0.3,
    seed = 42,
  ) {
    this.rng = new Rng(seed);
    const systems = benchSystems(shape);
    this.byZone = Array.from({ length: zoneCount(shape) }, (_, z) => systems.filter((s) => !s.zones || s.zones.includes(z)));
  }

  next(): CommandInput {
    const index = this.rng.int(this.shape.actuators);
    const target = actuatorId(index);
    const allowed = this.byZone[Math.floor(index / ZONE_SIZE)];
    const { winner, desired } = this.peek(target);
    let system = this.rng.pick(allowed);
    if (winner !== null && this.rng.next() < this.conflictShare) {
      const others = allowed.filter((s) => s.id !== winner);
      if (others.length > 0) return this.command(this.rng.pick(others), target, desired === 'open' ? 'closed' : 'open');
      system = allowed[0];
    }
    const state = system.id === winner || desired === undefined || winner === null ? this.rng.pick(STATES) : desired;
    return this.command(system, target, state);
  }

  /** The first claim of every actuator, from a system allowed to command it, before anything is measured. */
  *seed(): IterableIterator<CommandInput> {
    for (let i = 0; i < this.shape.actuators; i++) {
      const allowed = this.byZone[Math.floor(i / ZONE_SIZE)];
      yield { system: allowed[i % allowed.length].id, target: actuatorId(i), state: 'closed' };
    }
  }

  private command(system: BenchSystem, target: string, state: StateValue): CommandInput {
    // Most commands use the system's own category; some step down, as a security system opening a blind would.
    const category = this.rng.next() < 0.2 ? CATEGORIES[Math.min(3, CATEGORIES.indexOf(system.category) + 1)] : undefined;
    return { system: system.id, target, state, ...(category ? { category } : {}) };
  }
}
