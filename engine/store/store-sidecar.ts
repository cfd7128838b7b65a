import { closeSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';

/** What the sidecar says about the store it sits beside. */
export interface SidecarState {
  /** The store's identity (`store_info.identity`). */
  readonly store: string;
  /** The number of the last commit it saw made durable. */
  readonly commit: number;
  /** The store's wall-clock high-water mark at that commit. */
  readonly mark: number;
  readonly written: number;
}

export const sidecarFile = (storeFile: string) => `${storeFile}.state`;

/** The sidecar as last written, or undefined when there is none or it cannot be read as one. */
export function readSidecar(storeFile: string): SidecarState | undefined {
  let text: string;
  try {
    text = readFileSync(sidecarFile(storeFile), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const state = JSON.parse(text) as SidecarState;
    return typeof state.store === 'string' && Number.isInteger(state.commit) ? state : undefined;
  } catch {
    return undefined;
  }
}

/** Room for the JSON, so that every write overwrites the previous one in place (no truncation, one pwrite). */
const SIZE = 512;

/**
 * A small file beside the store (`home.sqlite.state`) that repeats the store's identity and the number of its last
 * durable commit. The store can lose commits without SQLite noticing (an emptied or replaced file, an older copy put
 * back, a deleted `-wal`); the sidecar remembers what it had, so that start-up can tell. It is rewritten in place
 * after every commit, without fsync: it may lag behind the store after a power loss, never run ahead of it.
 */
export class StoreSidecar {
  private fd?: number;
  private size = SIZE;

  constructor(readonly storeFile: string) {}

  write(state: Omit<SidecarState, 'written'>): void {
    if (this.fd === undefined) {
      this.fd = openSync(sidecarFile(this.storeFile), 'w', 0o600);
      ftruncateSync(this.fd, 0);
    }
    const text = JSON.stringify({ ...state, written: Date.now() } satisfies SidecarState);
    this.size = Math.max(this.size, text.length + 1);
    writeSync(this.fd, `${text}\n`.padEnd(this.size, ' '), 0, 'utf8');
  }

  /** The last state, made durable. */
  close(state: Omit<SidecarState, 'written'>): void {
    this.write(state);
    fsyncSync(this.fd!);
    closeSync(this.fd!);
    this.fd = undefined;
  }
}
