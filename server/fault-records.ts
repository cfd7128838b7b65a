import type Database from 'better-sqlite3';

export interface FaultSnapshot {
  readonly claims: readonly unknown[];
  readonly actuators: readonly unknown[];
  readonly lastEvents: readonly unknown[];
}

export interface FaultRecord {
  readonly id: number;
  readonly wall: number;
  /** `crash` (the previous run did not stop cleanly), `adapter` (a device or adapter failed), `exception`. */
  readonly kind: string;
  readonly reason: string;
  readonly snapshot: FaultSnapshot;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS fault_records (id INTEGER PRIMARY KEY AUTOINCREMENT, wall INTEGER NOT NULL, kind TEXT NOT NULL, reason TEXT NOT NULL, snapshot TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS server_run (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, started INTEGER NOT NULL);
`;

/**
 * Fault records: a snapshot of claims, states and the last events, written before recovery, so that what the
 * home looked like when it failed can be read afterwards (`home-arbiter faults`). The run marker tells a clean
 * stop from a crash or kill -9: it is set at start and cleared by a clean stop.
 */
export class FaultRecords {
  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
  }

  record(kind: string, reason: string, snapshot: FaultSnapshot): number {
    const result = this.db.prepare('INSERT INTO fault_records (wall, kind, reason, snapshot) VALUES (?, ?, ?, ?)').run(Date.now(), kind, reason, JSON.stringify(snapshot));
    return Number(result.lastInsertRowid);
  }

  list(limit = 100): FaultRecord[] {
    return listFaults(this.db, limit);
  }

  /** The previous run, when it did not stop cleanly. */
  unfinishedRun(): { pid: number; started: number } | undefined {
    return this.db.prepare('SELECT pid, started FROM server_run WHERE id = 1').get() as { pid: number; started: number } | undefined;
  }

  markRunning(): void {
    this.db.prepare('INSERT OR REPLACE INTO server_run (id, pid, started) VALUES (1, ?, ?)').run(process.pid, Date.now());
  }

  markStopped(): void {
    this.db.prepare('DELETE FROM server_run WHERE id = 1').run();
  }
}

/** Newest first; for the CLI, which opens the store read-only. */
export function listFaults(db: Database.Database, limit = 100): FaultRecord[] {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'fault_records'").get();
  if (!exists) return [];
  const rows = db.prepare('SELECT * FROM fault_records ORDER BY id DESC LIMIT ?').all(limit) as { id: number; wall: number; kind: string; reason: string; snapshot: string }[];
  return rows.map((r) => ({ id: r.id, wall: r.wall, kind: r.kind, reason: r.reason, snapshot: JSON.parse(r.snapshot) as FaultSnapshot }));
}
