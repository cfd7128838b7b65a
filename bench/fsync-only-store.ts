import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { EMPTY_SNAPSHOT, type CoreSnapshot } from '../engine/core/snapshot';
import type { ArbiterStore, StoreBatch } from '../engine/store/arbiter-store';
import { encodeBatch } from '../engine/store/journal-codec';

/**
 * The disk's floor under the store-on figures: each group commit is encoded as the store encodes it, appended to a
 * file allocated beforehand and fdatasynced on a thread of its own, and nothing else (no SQLite, no fold, no checkpoints). An
 * engine on it acknowledges a command once its bytes are on the disk, as with the real store; what it measures
 * beyond the store-off figures is the disk's fsync, which no design that acknowledges only once durable avoids.
 * A benchmark instrument: it keeps nothing it could load.
 */
export class FsyncOnlyStore implements ArbiterStore {
  private readonly waiting: (() => void)[] = [];
  private timed?: (syncs: number[]) => void;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (message: { syncs: number[] } | null) => (message ? this.timed?.(message.syncs) : this.waiting.shift()?.()));
  }

  static open(file: string): Promise<FsyncOnlyStore> {
    const worker = new Worker(join(__dirname, 'fsync-only-thread.js'), { workerData: { file } });
    return new Promise((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', () => resolve(new FsyncOnlyStore(worker)));
    });
  }

  load(): CoreSnapshot {
    return EMPTY_SNAPSHOT;
  }

  write(batch: StoreBatch): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.worker.postMessage({ text: encodeBatch(batch) });
    });
  }

  /** How long each group commit's write and fdatasync took on the thread so far, in ms. */
  syncs(): Promise<number[]> {
    return new Promise((resolve) => {
      this.timed = resolve;
      this.worker.postMessage('syncs');
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
