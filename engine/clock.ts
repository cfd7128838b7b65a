/**
 * The engine's only source of time. The core takes `now` as an argument; the shell asks a Clock, so the same
 * engine runs in real time (server, Node-RED) and in virtual time (replay, tests).
 */
export interface Clock {
  now(): number;
  /** Calls back once `now() >= at`; returns a cancel function. */
  schedule(at: number, callback: () => void): () => void;
}

/** Timers longer than this overflow setTimeout's 32-bit delay and fire at once. */
const MAX_DELAY = 2 ** 31 - 1;

/**
 * Wall-clock time at start-up, advanced by the monotonic clock: leases and holds are immune to the wall clock
 * jumping (an NTP step, a user changing the time), while stored expiry times stay absolute across restarts.
 * `notBefore` (the store's high-water mark) keeps a wall clock found behind the last time the store saw from
 * giving stored leases and facts time they never had: they are measured from the mark instead (issue 11).
 */
export class RealClock implements Clock {
  private readonly wallAtStart: number;
  private readonly monoAtStart = performance.now();

  constructor(options: { readonly notBefore?: number } = {}) {
    this.wallAtStart = Math.max(Date.now(), options.notBefore ?? 0);
  }

  now(): number {
    return Math.round(this.wallAtStart + (performance.now() - this.monoAtStart));
  }

  /** How far the wall clock has moved away from monotonic time since start-up (positive: wall is ahead). */
  drift(): number {
    return Date.now() - this.now();
  }

  schedule(at: number, callback: () => void): () => void {
    let handle: NodeJS.Timeout;
    const arm = () => {
      const delay = at - this.now();
      if (delay <= 0) return callback();
      handle = setTimeout(arm, Math.min(delay, MAX_DELAY));
      handle.unref?.();
    };
    handle = setTimeout(arm, Math.min(Math.max(at - this.now(), 0), MAX_DELAY));
    handle.unref?.();
    return () => clearTimeout(handle);
  }
}

/** Time that moves only when told to: a day of scenario replays in milliseconds. */
export class VirtualClock implements Clock {
  private current: number;
  private timers: { at: number; order: number; callback: () => void }[] = [];
  private order = 0;

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  schedule(at: number, callback: () => void): () => void {
    const timer = { at, order: this.order++, callback };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /**
   * Moves time to `target`, firing each timer due on the way at its own time, in order, and awaiting `settle`
   * after each so that the work a timer starts (a policy evaluation) finishes before the next one fires.
   */
  async advanceTo(target: number, settle: () => Promise<void> = async () => undefined): Promise<void> {
    if (target < this.current) throw new RangeError(`virtual time cannot go back from ${this.current} to ${target}`);
    for (;;) {
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = Math.max(this.current, due.at);
      due.callback();
      await settle();
    }
    this.current = target;
  }
}
