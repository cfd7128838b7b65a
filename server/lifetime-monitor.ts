import type Database from 'better-sqlite3';
import { Subscription } from 'rxjs';
import type { Arbiter } from '../engine/arbiter';
import { RealClock, type Clock } from '../engine/clock';
import type { ActuatorSpec, StateValue } from '../engine/core/actuator';
import type { LifetimeLimit } from './server-config';
import type { ServerEventOf } from './server-events';

export interface LifetimeCounters {
  readonly cycles: number;
  readonly hours: number;
  readonly limit?: LifetimeLimit;
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS lifetime (actuator TEXT PRIMARY KEY, cycles INTEGER NOT NULL, on_ms INTEGER NOT NULL, on_since INTEGER) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lifetime_notice (notice TEXT PRIMARY KEY) WITHOUT ROWID;`;
/** Counters are written at most this often (a crash loses at most this much counting, never a claim). */
const PERSIST_EVERY_MS = 10_000;
/** A warning when a counter passes this share of its declared limit; the `lifetime-exceeded` alarm at all of it. */
export const WARN_AT = 0.9;
const HOUR = 3_600_000;
const CHECK_EVERY_MS = 60_000;

/** Working, as opposed to resting: on, open, or a numeric actuator above its minimum. */
function isActive(spec: ActuatorSpec, state: StateValue | undefined): boolean {
  if (state === undefined) return false;
  if (typeof state === 'number') return spec.range ? state > spec.range[0] : state > 0;
  return state === 'on' || state === 'open';
}

interface Row {
  cycles: number;
  onMs: number;
  onSince: number | null;
}

/**
 * Lifetime counters per actuator: cycles (confirmed state changes) and on-hours, persisted across restarts;
 * a `lifetime-warning` when a declared `lifetime: {cycles, hours}` is 90 % used, and `alarm {kind:
 * lifetime-exceeded}` on the engine's stream when it is all used or the service period `until` has ended
 * (function 22 of the seed list). Hours and dates are checked each minute; counters are written every 10 s and at
 * stop. Time comes from the clock (virtual in tests).
 */
export class LifetimeMonitor {
  private readonly rows = new Map<string /* actuator id */, Row>();
  /**
   * Warnings and alarms already given, kept in the store: an alarm stays active through a restart until it is
   * acknowledged (the decision log is its record), so saying it again at every start would only repeat it. A notice
   * names the limit it was given for, so that a changed limit or service date is told anew.
   */
  private readonly noticed = new Set<string /* actuator id / counter / limit / warning or alarm */>();
  private readonly dirty = new Set<string /* actuator id */>();
  private readonly subscription = new Subscription();
  private cancelTimer?: () => void;
  private readonly put: Database.Statement;
  private readonly putNotice: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly arbiter: Arbiter,
    private readonly limits: ReadonlyMap<string, LifetimeLimit>,
    private readonly warn: (event: Omit<ServerEventOf<'lifetime-warning'>, 'at'>) => void,
    private readonly clock: Clock = new RealClock(),
  ) {
    db.exec(SCHEMA);
    this.put = db.prepare('INSERT OR REPLACE INTO lifetime (actuator, cycles, on_ms, on_since) VALUES (?, ?, ?, ?)');
    this.putNotice = db.prepare('INSERT OR IGNORE INTO lifetime_notice (notice) VALUES (?)');
  }

  start(): void {
    for (const r of this.db.prepare('SELECT * FROM lifetime').all() as { actuator: string; cycles: number; on_ms: number; on_since: number | null }[]) {
      this.rows.set(r.actuator, { cycles: r.cycles, onMs: r.on_ms, onSince: r.on_since });
    }
    for (const { notice } of this.db.prepare('SELECT notice FROM lifetime_notice').all() as { notice: string }[]) this.noticed.add(notice);
    for (const spec of this.arbiter.config.actuators) {
      let last = this.arbiter.view(spec.id)?.state;
      this.subscription.add(
        this.arbiter.actuator$(spec.id).subscribe((view) => {
          if (view.state === last) return;
          last = view.state;
          this.changed(spec, view.state);
        }),
      );
    }
    let ticks = 0;
    const tick = () => {
      this.cancelTimer = this.clock.schedule(this.clock.now() + PERSIST_EVERY_MS, () => {
        this.persist();
        if (++ticks % (CHECK_EVERY_MS / PERSIST_EVERY_MS) === 0) this.checkAll();
        tick();
      });
    };
    tick();
    this.checkAll();
  }

  stop(): void {
    this.subscription.unsubscribe();
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    if (this.db.open) this.persist();
  }

  counters(id: string): LifetimeCounters {
    const row = this.rows.get(id) ?? { cycles: 0, onMs: 0, onSince: null };
    const onMs = row.onMs + (row.onSince !== null ? this.clock.now() - row.onSince : 0);
    const limit = this.limits.get(id);
    return { cycles: row.cycles, hours: onMs / HOUR, ...(limit ? { limit } : {}) };
  }

  private changed(spec: ActuatorSpec, state: StateValue | undefined): void {
    const row = this.rows.get(spec.id) ?? { cycles: 0, onMs: 0, onSince: null };
    const now = this.clock.now();
    row.cycles++;
    const active = isActive(spec, state);
    if (!active && row.onSince !== null) {
      row.onMs += now - row.onSince;
      row.onSince = null;
    } else if (active && row.onSince === null) row.onSince = now;
    this.rows.set(spec.id, row);
    this.dirty.add(spec.id);
    this.check(spec.id);
  }

  /**
   * Writes the counters that changed. One that cannot be written (a full disk) stays in memory and is written by
   * the next attempt: the engine's `alarm {kind: store}` is what tells the operator about the disk.
   */
  private persist(): void {
    if (this.dirty.size === 0) return;
    const ids = [...this.dirty];
    this.dirty.clear();
    try {
      this.db.transaction(() => {
        for (const id of ids) {
          const row = this.rows.get(id)!;
          this.put.run(id, row.cycles, row.onMs, row.onSince);
        }
      })();
    } catch {
      for (const id of ids) this.dirty.add(id);
    }
  }

  private checkAll(): void {
    for (const id of this.limits.keys()) this.check(id);
  }

  private check(id: string): void {
    const limit = this.limits.get(id);
    if (!limit) return;
    const c = this.counters(id);
    for (const [counter, value, max] of [['cycles', c.cycles, limit.cycles], ['hours', c.hours, limit.hours]] as const) {
      if (max === undefined || value < max * WARN_AT) continue;
      const shown = Math.round(value * 100) / 100;
      if (this.once(`${id}/${counter}/${max}/warning`)) this.warn({ type: 'lifetime-warning', target: id, counter, value: shown, limit: max });
      if (value >= max && this.once(`${id}/${counter}/${max}/alarm`)) this.exceeded(id, `${counter} at ${shown} of ${max}: replace or service the device`);
    }
    if (limit.until !== undefined && this.clock.now() >= Date.parse(limit.until) && this.once(`${id}/until/${limit.until}/alarm`)) {
      this.exceeded(id, `service period ended on ${limit.until}: replace or service the device`);
    }
  }

  /**
   * Whether `notice` is new; it is kept from now on. One the store cannot keep (a full disk) is kept in memory: at
   * worst it is said once more after a restart.
   */
  private once(notice: string): boolean {
    if (this.noticed.has(notice)) return false;
    this.noticed.add(notice);
    try {
      this.putNotice.run(notice);
    } catch {
      // the engine's `alarm {kind: store}` tells the operator about the disk
    }
    return true;
  }

  private exceeded(target: string, message: string): void {
    if (this.arbiter.running) this.arbiter.announce({ type: 'alarm', kind: 'lifetime-exceeded', target, message });
  }
}
