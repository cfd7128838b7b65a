import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

export interface CheckpointThreadData {
  readonly file: string;
  readonly every: number;
}

/**
 * Copies the WAL back into the store file on a connection and a thread of its own, every `every` ms (a PASSIVE
 * checkpoint: it never blocks the writer). The writer's connection checkpoints only far beyond what this thread
 * lets the WAL grow to, so that no commit waits for one (at 10,000 commands/s SQLite's default would checkpoint
 * every few dozen milliseconds, and every command in its shadow would wait). Told to stop, it closes its
 * connection and ends.
 */
function run(port: NonNullable<typeof parentPort>, data: CheckpointThreadData): void {
  const db = new Database(data.file, { fileMustExist: true });
  let failing: string | undefined;
  const timer = setInterval(() => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
      failing = undefined;
    } catch (err) {
      // A full disk, a busy reader: the next round tries again; the owner hears of it once per cause.
      const problem = `checkpoint failed: ${err instanceof Error ? err.message : String(err)}`;
      if (problem !== failing) port.postMessage({ problem });
      failing = problem;
    }
  }, data.every);
  port.once('message', () => {
    clearInterval(timer);
    db.close();
    port.close();
  });
}

if (parentPort) run(parentPort, workerData as CheckpointThreadData);
