import type Database from 'better-sqlite3';
import type { SignedBundle } from './policy-bundle';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS fleet_bundles (
  digest TEXT PRIMARY KEY, version INTEGER, step TEXT NOT NULL, reason TEXT, wall INTEGER NOT NULL, signed TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fleet_bundle_state (
  id INTEGER PRIMARY KEY CHECK (id = 1), current TEXT, previous TEXT, highest INTEGER NOT NULL,
  applied_at INTEGER, probation_until INTEGER, allowance REAL);
`;

/** A bundle the home took, as the ledger keeps it (its signature is checked again whenever it is used). */
export interface HeldBundle {
  readonly digest: string;
  readonly version: number;
  readonly signed: SignedBundle;
}

export interface LedgerState {
  /** The bundle in force; none: the configuration file as it is. */
  readonly current?: HeldBundle;
  /** What ran before it, for a rollback; none: the configuration file. */
  readonly previous?: HeldBundle;
  /** The highest version taken (applied, even if rolled back since): a normal bundle must be above it. */
  readonly highest: number;
  /** When the bundle in force was applied (wall clock). */
  readonly appliedAt?: number;
  /** While the bundle in force is on probation: until when, and how many safety alarms it may raise. */
  readonly probation?: { readonly until: number; readonly allowance: number };
}

/**
 * The home's record of fleet bundles, in its store file: every bundle handled (by digest, so each is logged once
 * however often it is read), and which is in force, which ran before, and the probation under way. A restart
 * resumes from it.
 */
export class BundleLedger {
  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
  }

  seen(digest: string): boolean {
    return this.db.prepare('SELECT 1 FROM fleet_bundles WHERE digest = ?').get(digest) !== undefined;
  }

  /** The step a bundle reached (received, refused, skipped, applied, kept, rolled-back) and why. */
  record(digest: string, version: number | null, signed: SignedBundle, step: string, reason: string | undefined, wall: number): void {
    this.db
      .prepare('INSERT INTO fleet_bundles (digest, version, step, reason, wall, signed) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (digest) DO UPDATE SET step = excluded.step, reason = excluded.reason, wall = excluded.wall')
      .run(digest, version, step, reason ?? null, wall, JSON.stringify(signed));
  }

  get state(): LedgerState {
    const row = this.db.prepare('SELECT * FROM fleet_bundle_state WHERE id = 1').get() as
      | { current: string | null; previous: string | null; highest: number; applied_at: number | null; probation_until: number | null; allowance: number | null }
      | undefined;
    if (!row) return { highest: 0 };
    const current = this.held(row.current);
    const previous = this.held(row.previous);
    return {
      ...(current ? { current } : {}),
      ...(previous ? { previous } : {}),
      highest: row.highest,
      ...(row.applied_at !== null ? { appliedAt: row.applied_at } : {}),
      ...(row.probation_until !== null ? { probation: { until: row.probation_until, allowance: row.allowance ?? 0 } } : {}),
    };
  }

  /** `bundle` is in force from `at`, on probation until `until`; what was in force becomes the previous one. */
  applied(bundle: HeldBundle, at: number, probation: { until: number; allowance: number }): void {
    const state = this.state;
    this.write(bundle.digest, state.current?.digest ?? null, Math.max(state.highest, bundle.version), at, probation);
  }

  /** The probation ended and the bundle stays. */
  kept(): void {
    const s = this.state;
    this.write(s.current?.digest ?? null, s.previous?.digest ?? null, s.highest, s.appliedAt ?? null, undefined);
  }

  /** The previous bundle (or the file) is in force again from `at`; the one rolled back stays counted in `highest`. */
  rolledBack(at: number): void {
    const s = this.state;
    this.write(s.previous?.digest ?? null, null, s.highest, at, undefined);
  }

  private write(current: string | null, previous: string | null, highest: number, appliedAt: number | null, probation: { until: number; allowance: number } | undefined): void {
    this.db
      .prepare('INSERT OR REPLACE INTO fleet_bundle_state (id, current, previous, highest, applied_at, probation_until, allowance) VALUES (1, ?, ?, ?, ?, ?, ?)')
      .run(current, previous, highest, appliedAt, probation?.until ?? null, probation?.allowance ?? null);
  }

  private held(digest: string | null): HeldBundle | undefined {
    if (digest === null) return undefined;
    const row = this.db.prepare('SELECT version, signed FROM fleet_bundles WHERE digest = ?').get(digest) as { version: number; signed: string } | undefined;
    return row ? { digest, version: row.version, signed: JSON.parse(row.signed) as SignedBundle } : undefined;
  }
}
