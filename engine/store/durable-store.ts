import { existsSync, renameSync } from 'node:fs';
import type { StoreBackups, BackupEntry } from './store-backups';
import { checkStore, type StoreCheck, type StoreFinding } from './store-check';
import { StoreLock } from './store-lock';
import { ThreadedStore, type ThreadedStoreOptions } from './threaded-store';

/** The store lost what it acknowledged: start-up stops here unless the loss is accepted. */
export class StoreLossError extends Error {
  readonly code = 'STORE_LOSS';
  constructor(
    readonly check: StoreCheck,
    readonly backup: BackupEntry | undefined,
    fix: string,
  ) {
    const last = check.sidecar ? `the last known commit is ${check.sidecar.commit} of store ${check.sidecar.store}` : 'no commit is known (no sidecar)';
    super(
      [
        `refusing to start: ${check.file} ${check.findings.map((f) => f.message).join('; ')}`,
        `  ${last}`,
        `  newest good backup: ${backup ? `${backup.file} (commit ${backup.commit}, ${new Date(backup.taken).toISOString()})` : `none in ${fix}`}`,
        `  fix: ${backup ? `restore it (home-arbiter restore --from ${backup.file}), or ` : ''}start with --accept-loss to go on with what the store holds; a fault record is written either way`,
      ].join('\n'),
    );
  }
}

export interface DurableStoreOptions extends Omit<ThreadedStoreOptions, 'sidecar'> {
  /** Who opens it (`serve`, `arbiter-supervisor "home"`): named to a second process that is refused. */
  readonly command: string;
  /** Where backups go (before a schema upgrade) and are looked for (named when start-up is refused). */
  readonly backups: StoreBackups;
  /** Start even though the store lost data; a corrupt file is moved aside and a new store begins. */
  readonly acceptLoss?: boolean;
  /** Called with the lock held, whether the loss is accepted or not: the caller writes its fault record. */
  readonly recordLoss?: (check: StoreCheck, accepted: boolean) => void;
}

export interface DurableStore {
  readonly store: ThreadedStore;
  readonly lock: StoreLock;
  readonly check: StoreCheck;
  /** Losses accepted with `acceptLoss`. */
  readonly accepted: readonly StoreFinding[];
  /** Where a corrupt store was moved with `acceptLoss`. */
  readonly movedAside?: string;
  /** The backup taken before the schema was upgraded. */
  readonly upgradeBackup?: BackupEntry;
}

/**
 * Opens a store the way a long-running owner must (issue 11): the exclusive lock first, before anything else
 * starts; then the check for silent loss (quick_check, identity and commit number against the sidecar); a backup
 * before a schema upgrade; then the store on its own thread, keeping the sidecar up to date.
 */
export async function openDurableStore(file: string, options: DurableStoreOptions): Promise<DurableStore> {
  const { command, backups, acceptLoss, recordLoss, ...threaded } = options;
  const lock = StoreLock.acquire(file, command);
  try {
    const check = checkStore(file);
    let movedAside: string | undefined;
    if (check.findings.length > 0) {
      if (!acceptLoss) {
        if (check.sound) recordLoss?.(check, false);
        throw new StoreLossError(check, backups.newestGood(check.sidecar?.store), backups.dir);
      }
      if (!check.sound) movedAside = moveAside(file);
      recordLoss?.(check, true);
    }
    const upgradeBackup = check.upgrade ? await backups.takeOfFile('pre-upgrade') : undefined;
    const store = await ThreadedStore.open(file, { ...threaded, sidecar: true });
    return { store, lock, check, accepted: acceptLoss ? check.findings : [], ...(movedAside ? { movedAside } : {}), ...(upgradeBackup ? { upgradeBackup } : {}) };
  } catch (err) {
    lock.release();
    throw err;
  }
}

/** A corrupt store and its companions, renamed out of the way (kept for whoever wants to look into them). */
export function moveAside(file: string): string {
  const aside = `${file}.corrupt-${new Date().toISOString().replace(/[-:.]/g, '')}`;
  for (const companion of ['', '-wal', '-shm']) if (existsSync(`${file}${companion}`)) renameSync(`${file}${companion}`, `${aside}${companion}`);
  return aside;
}
