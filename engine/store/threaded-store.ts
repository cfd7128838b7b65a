import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CoreSnapshot } from '../core/snapshot';
import type { ArbiterStore, StoreBatch } from './arbiter-store';
import { encodeBatch } from './journal-codec';
import type { SqliteStoreOptions, StoreInfo } from './sqlite-store';
import type { CheckpointThreadData } from './checkpoint-thread';
import type { StoreOpened, StoreProblem, StoreReply, StoreRequest, StoreThreadData } from './store-thread';

type Pending = { resolve(value: unknown): void; reject(err: Error): void };

/** How often the checkpoint thread copies the WAL back into the store file. */
const CHECKPOINT_EVERY_MS = 200;
/**
 * A commit checkpoints only past this many WAL pages: never while the checkpoint thread keeps up (10,000 commits/s
 * add about 6,000 pages in its 200 ms), and still if it fell behind or failed.
 */
const CHECKPOINT_AFTER_PAGES = 10_000;
type RequestBody = StoreRequest extends infer R ? (R extends StoreRequest ? Omit<R, 'id'> : never) : never;

export interface ThreadedStoreOptions extends Omit<SqliteStoreOptions, 'sidecar'> {
  /** Keep the sidecar (`<file>.state`) with the store's identity and commit number (store-sidecar.ts). */
  readonly sidecar?: boolean;
  /** Problems the store's thread reports on its own (a fold that failed); the owner logs them. */
  readonly problem?: (message: string) => void;
}

/** The store's thread failed (the message says how): a request that needed it did not happen. */
export class StoreThreadError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/**
 * The SQLite store on a thread of its own (store-thread.ts), which owns the write connection: `write` serialises
 * the batch here, and its promise resolves once the thread has made it durable. The engine's event loop does no
 * SQLite work and never waits for an fsync; commands are still acknowledged only once durable.
 */
export class ThreadedStore implements ArbiterStore {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private broken?: StoreThreadError;
  private closing?: Promise<void>;
  private checkpointerExited = false;
  private infoNow: StoreInfo;

  private constructor(
    readonly file: string,
    private readonly worker: Worker,
    private readonly checkpointer: Worker,
    opened: StoreInfo,
    problem: (message: string) => void,
  ) {
    checkpointer.on('message', (message: StoreProblem) => problem(message.problem));
    checkpointer.once('exit', () => (this.checkpointerExited = true));
    checkpointer.on('error', (err) => problem(`the checkpoint thread failed: ${err.message}; commits checkpoint past ${CHECKPOINT_AFTER_PAGES} WAL pages from now on`));
    this.infoNow = opened;
    worker.on('message', (message: StoreReply | StoreProblem) => {
      if ('problem' in message) return problem(message.problem);
      const waiting = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (this.pending.size === 0) worker.unref();
      if (message.ok) {
        this.infoNow = message.info;
        waiting?.resolve(message.value);
      } else waiting?.reject(new StoreThreadError(message.message, message.code));
    });
    const fail = (err: StoreThreadError) => {
      this.broken ??= err;
      for (const waiting of this.pending.values()) waiting.reject(err);
      this.pending.clear();
    };
    worker.on('error', (err) => fail(new StoreThreadError(`the store's thread failed: ${err.message}`)));
    worker.on('exit', (code) => fail(new StoreThreadError(`the store's thread has exited (code ${code})`)));
    worker.unref();
  }

  /** Starts the thread and resolves once it has opened (and recovered) the store. */
  static open(file: string, options: ThreadedStoreOptions = {}): Promise<ThreadedStore> {
    const { sidecar, problem, ...sqlite } = options;
    const data: StoreThreadData = { file, options: { ...sqlite, checkpointAfter: CHECKPOINT_AFTER_PAGES }, sidecar: sidecar === true };
    const worker = new Worker(join(__dirname, 'store-thread.js'), { workerData: data });
    const checkpoints = () => {
      const thread = new Worker(join(__dirname, 'checkpoint-thread.js'), { workerData: { file, every: CHECKPOINT_EVERY_MS } satisfies CheckpointThreadData });
      thread.unref();
      return thread;
    };
    return new Promise((resolve, reject) => {
      const exited = (code: number) => reject(new StoreThreadError(`the store's thread exited (code ${code}) before opening ${file}`));
      worker.once('error', reject);
      worker.once('exit', exited);
      worker.once('message', (opened: StoreOpened) => {
        worker.off('error', reject);
        worker.off('exit', exited);
        if (opened.ok) resolve(new ThreadedStore(file, worker, checkpoints(), opened.info, problem ?? (() => undefined)));
        else {
          void worker.terminate();
          reject(new StoreThreadError(opened.message, opened.code));
        }
      });
    });
  }

  /** Identity, commit number and high-water mark as of the last answer from the thread. */
  get info(): StoreInfo {
    return this.infoNow;
  }

  load(): Promise<CoreSnapshot> {
    return this.request({ type: 'load' }) as Promise<CoreSnapshot>;
  }

  async write(batch: StoreBatch): Promise<void> {
    await this.request({ type: 'commit', json: encodeBatch(batch), at: batch.at ?? 0 });
  }

  /** An online backup of the store into `destination`, taken by the thread while commits go on. */
  async backup(destination: string): Promise<StoreInfo> {
    await this.request({ type: 'backup', destination });
    return this.infoNow;
  }

  /** Folds the journal, closes the database and ends the threads; a second call waits for the first. */
  close(): Promise<void> {
    this.closing ??= (this.broken ? Promise.resolve() : this.request({ type: 'close' })).then(
      () => this.stopCheckpoints(),
      (err: unknown) => this.stopCheckpoints().then(() => Promise.reject(err)),
    );
    return this.closing;
  }

  private stopCheckpoints(): Promise<void> {
    this.broken ??= new StoreThreadError(`${this.file}: the store is closed`);
    if (this.checkpointerExited) return Promise.resolve();
    return new Promise((resolve) => {
      this.checkpointer.once('exit', () => resolve());
      // Held until it has gone: an unreferenced thread would let the process end before this resolves.
      this.checkpointer.ref();
      this.checkpointer.postMessage('stop');
    });
  }

  private request(body: RequestBody): Promise<unknown> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref();
      this.worker.postMessage({ ...body, id } as StoreRequest);
    });
  }
}
