import { parentPort, workerData } from 'node:worker_threads';
import { SqliteStore, type SqliteStoreOptions, type StoreInfo } from './sqlite-store';
import { StoreSidecar } from './store-sidecar';

/** What `ThreadedStore` asks of its thread; each request is answered once, in order, by its `id`. */
export type StoreRequest =
  | { readonly type: 'commit'; readonly id: number; readonly json: string; readonly at: number }
  | { readonly type: 'load'; readonly id: number }
  | { readonly type: 'backup'; readonly id: number; readonly destination: string }
  | { readonly type: 'close'; readonly id: number };

export type StoreReply =
  | { readonly id: number; readonly ok: true; readonly value?: unknown; readonly info: StoreInfo }
  | { readonly id: number; readonly ok: false; readonly message: string; readonly code?: string };

/** The first message: the store is open (or why it is not). */
export type StoreOpened = { readonly ok: true; readonly info: StoreInfo } | { readonly ok: false; readonly message: string; readonly code?: string };

/** Said without being asked: something the owner should log. */
export type StoreProblem = { readonly problem: string };

export interface StoreThreadData {
  readonly file: string;
  readonly options: Omit<SqliteStoreOptions, 'sidecar'>;
  /** Keeps the sidecar beside the store. */
  readonly sidecar?: boolean;
}

/** Rows of the fold written between two commits: small, so that a commit never waits long behind one. */
const FOLD_ROWS = 64;

const failure = (err: unknown) => ({ message: err instanceof Error ? err.message : String(err), code: (err as { code?: string }).code });

/**
 * The thread that owns the store's write connection: it appends each batch to the journal and fsyncs it, answers,
 * and only then, between commits, parses what it appended and folds it into the tables. The event loop of the
 * engine never waits for SQLite or the disk.
 */
function run(port: NonNullable<typeof parentPort>, data: StoreThreadData): void {
  let store: SqliteStore;
  try {
    store = new SqliteStore(data.file, { ...data.options, ...(data.sidecar ? { sidecar: new StoreSidecar(data.file) } : {}) });
  } catch (err) {
    port.postMessage({ ok: false, ...failure(err) } satisfies StoreOpened);
    port.close();
    return;
  }
  port.postMessage({ ok: true, info: store.info } satisfies StoreOpened);

  let folding = false;
  const fold = () => {
    folding = false;
    try {
      if (store.db.open && store.foldStep(FOLD_ROWS)) scheduleFold();
    } catch (err) {
      // Retried after the next commit; the owner hears of it (a commit failing for the same reason, a full disk,
      // is what the engine hears about).
      port.postMessage({ problem: `folding the journal into the tables failed: ${failure(err).message}` } satisfies StoreProblem);
    }
  };
  const scheduleFold = () => {
    if (folding) return;
    folding = true;
    setImmediate(fold);
  };

  // One request at a time, in order: a commit or a close that arrives during a backup waits for it.
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (request: StoreRequest) => {
    queue = queue.then(() => handle(request));
  });
  const handle = async (request: StoreRequest): Promise<void> => {
    const answer = (value?: unknown) => port.postMessage({ id: request.id, ok: true, value, info: store.info } satisfies StoreReply);
    try {
      switch (request.type) {
        case 'commit':
          store.append(request.json, request.at);
          answer();
          scheduleFold();
          return;
        case 'load':
          return answer(store.load());
        case 'backup':
          await store.backup(request.destination);
          return answer();
        case 'close':
          store.close();
          answer();
          port.close();
          return;
      }
    } catch (err) {
      port.postMessage({ id: request.id, ok: false, ...failure(err) } satisfies StoreReply);
    }
  };
}

if (parentPort) run(parentPort, workerData as StoreThreadData);
