import { statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from '../engine/clock';
import type { TrendMonitor } from '../engine/health/trend-monitor';

/**
 * Samples what the server's own health depends on every `every` ms and hands it to the trend monitor: free space
 * of the file system holding the store, the process's resident memory, and the size of the store and its WAL
 * (where the decision log grows). A store in memory has no disk to watch (its size counts as 0).
 */
export class ServerTrends {
  private cancel?: () => void;

  constructor(
    private readonly trends: TrendMonitor,
    private readonly clock: Clock,
    private readonly storeFile: string,
    private readonly every: number,
  ) {}

  start(): void {
    if (this.cancel) return;
    this.sample();
    const next = () => {
      this.cancel = this.clock.schedule(this.clock.now() + this.every, () => {
        this.sample();
        next();
      });
    };
    next();
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  private sample(): void {
    const memory = process.memoryUsage().rss;
    if (this.storeFile === 'memory') {
      this.trends.server({ at: this.clock.now(), diskFree: 1, diskTotal: 1, memory, logBytes: 0 });
      return;
    }
    const disk = statfsSync(dirname(this.storeFile));
    const size = (file: string) => statSync(file, { throwIfNoEntry: false })?.size ?? 0;
    this.trends.server({
      at: this.clock.now(),
      diskFree: disk.bavail * disk.bsize,
      diskTotal: disk.blocks * disk.bsize,
      memory,
      logBytes: size(this.storeFile) + size(`${this.storeFile}-wal`),
    });
  }
}
