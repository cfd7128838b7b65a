import Database from 'better-sqlite3';
import type { ArbiterStore } from '../engine/store/arbiter-store';
import { openDurableStore, type DurableStore } from '../engine/store/durable-store';
import { MemoryStore } from '../engine/store/memory-store';
import { StoreBackups, type BackupEntry } from '../engine/store/store-backups';
import type { StoreCheck } from '../engine/store/store-check';
import { FaultRecords } from './fault-records';
import type { ServerConfig } from './server-config';
import type { DiagnosticResult } from './server-events';

/** setTimeout's longest delay. */
const MAX_DELAY = 2 ** 31 - 1;

/**
 * The store as `serve` keeps it (issue 11): opened first, with its lock and the check for silent loss (a loss found
 * is a fault record, accepted or not), then backed up on a schedule; its state for the diagnostics and
 * `/api/status`. A `memory` store has none of it.
 */
export class ServerStore {
  private backupTimer?: NodeJS.Timeout;
  /** The `store-loss` fault record of a loss accepted with `--accept-loss`, for the decision log. */
  lossFault?: { readonly id: number; readonly reason: string };

  private constructor(
    private readonly config: ServerConfig,
    readonly store: ArbiterStore,
    private readonly durable?: DurableStore,
    private readonly backups?: StoreBackups,
  ) {}

  static async open(config: ServerConfig, options: { readonly acceptLoss?: boolean; readonly say: (line: string) => void }): Promise<ServerStore> {
    if (config.storeFile === 'memory') return new ServerStore(config, new MemoryStore());
    const backups = new StoreBackups(config.storeFile, config.backups.dir, config.backups.keep);
    let lossFault: ServerStore['lossFault'];
    const durable = await openDurableStore(config.storeFile, {
      command: 'serve',
      backups,
      synchronous: config.synchronous,
      acceptLoss: options.acceptLoss,
      problem: (message) => options.say(`store: ${message}`),
      recordLoss: (check, accepted) => {
        const id = recordLoss(check, accepted);
        if (accepted) lossFault = { id, reason: lossReason(check, accepted) };
        options.say(`store: ${lossReason(check, accepted)}; fault record #${id} written`);
      },
    });
    if (durable.upgradeBackup) options.say(`store: upgraded to the current schema; the store as it was is backed up in ${durable.upgradeBackup.file}`);
    if (durable.movedAside) options.say(`store: the corrupt store was moved to ${durable.movedAside}; a new store begins`);
    const opened = new ServerStore(config, durable.store, durable, backups);
    opened.lossFault = lossFault;
    return opened;
  }

  /** The store's wall-clock high-water mark: the engine's clock starts no earlier. */
  get mark(): number {
    return this.durable?.store.info.mark ?? 0;
  }

  /** An online backup now, through the store's thread while commits go on. */
  async backup(): Promise<BackupEntry> {
    if (!this.durable || !this.backups) throw new Error('the store is in memory: there is nothing to back up');
    const store = this.durable.store;
    return this.backups.take((destination) => store.backup(destination));
  }

  /** The first backup when the newest is older than `store.backups.every`, then one every `every`. */
  scheduleBackups(done: (result: BackupEntry | Error) => void): void {
    if (!this.backups) return;
    const { every } = this.config.backups;
    const arm = (delay: number) => {
      this.backupTimer = setTimeout(() => {
        this.backup().then(
          (entry) => (done(entry), arm(every)),
          (err: unknown) => (done(err instanceof Error ? err : new Error(String(err))), arm(every)),
        );
      }, Math.min(Math.max(0, delay), MAX_DELAY));
      this.backupTimer.unref();
    };
    arm((this.backups.list().find((b) => !b.tag)?.taken ?? 0) + every - Date.now());
  }

  /** For the start-up diagnostics. */
  diagnostic(): Omit<DiagnosticResult, 'subject'> {
    if (!this.durable) return { ok: false, message: 'in memory: claims are lost at exit' };
    const { info } = this.durable.store;
    const accepted = this.durable.accepted.map((f) => f.kind);
    return { ok: true, message: `${this.config.storeFile}: store ${info.identity}, commit ${info.commits}${accepted.length > 0 ? `; loss accepted (${accepted.join(', ')})` : ''}` };
  }

  /** For `/api/status`: whether the store and the decision log can write, and the store's last commit. */
  status(unavailable: string | undefined, logUnwritten: string | undefined): Record<string, unknown> {
    const info = this.durable?.store.info;
    return {
      file: this.config.storeFile,
      writable: unavailable === undefined,
      ...(unavailable !== undefined ? { problem: unavailable } : {}),
      ...(logUnwritten ? { log: logUnwritten } : {}),
      ...(info ? { identity: info.identity, commit: info.commits, mark: info.mark } : {}),
    };
  }

  /** Stops the schedule; the store itself is closed by the engine (`Arbiter.stop`). */
  stopBackups(): void {
    if (this.backupTimer) clearTimeout(this.backupTimer);
  }

  /** Closes the store if no engine did (a failed start), then lets the store go. */
  async release(): Promise<void> {
    await this.store.close();
    this.durable?.lock.release();
  }
}

function lossReason(check: StoreCheck, accepted: boolean): string {
  return `${check.file} ${check.findings.map((f) => f.message).join('; ')}${accepted ? ' (accepted with --accept-loss)' : ' (start refused)'}`;
}

/** A loss found at start (accepted or not) is a fault record in the store, written on a connection of its own. */
function recordLoss(check: StoreCheck, accepted: boolean): number {
  const db = new Database(check.file);
  try {
    db.pragma('journal_mode = WAL');
    return new FaultRecords(db).record('store-loss', lossReason(check, accepted), { claims: [], actuators: [], lastEvents: [] });
  } finally {
    db.close();
  }
}
