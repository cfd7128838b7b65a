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
  /** The reason the store's file system could not be read last time, said once until it can be read again. */
  private unreadable?: string;
  /** The last size read of the store and its WAL, kept while they cannot be read so that no growth is invented. */
  private lastLog = 0;

  constructor(
    private readonly trends: TrendMonitor,
    private readonly clock: Clock,
    private readonly storeFile: string,
    private readonly every: number,
    /** The store's file system cannot be read (its disk pulled out, its folder gone): said once per cause. */
    private readonly problem: (message: string) => void,
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
    // On a timer, a throw would be an uncaught exception: the whole process, arbitration with it, would end.
    let disk: { free: number; total: number; log: number };
    try {
      const fs = statfsSync(dirname(this.storeFile));
      const size = (file: string) => statSync(file, { throwIfNoEntry: false })?.size ?? 0;
      disk = { free: fs.bavail * fs.bsize, total: fs.blocks * fs.bsize, log: size(this.storeFile) + size(`${this.storeFile}-wal`) };
      this.unreadable = undefined;
    } catch (err) {
      const reason = `cannot read the file system of the store ${this.storeFile}: ${err instanceof Error ? err.message : String(err)}`;
      if (reason !== this.unreadable) this.problem(reason);
      this.unreadable = reason;
      // Memory is still sampled; the disk's measures wait for a reading (a total of 0 never warns).
      disk = { free: 0, total: 0, log: this.lastLog };
    }
    this.lastLog = disk.log;
    this.trends.server({ at: this.clock.now(), diskFree: disk.free, diskTotal: disk.total, memory, logBytes: disk.log });
  }
}
