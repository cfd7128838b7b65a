import type { ServerEventCatalogue } from './server-events';

/** A change of the wall clock against monotonic time larger than this is a jump (an NTP step, a user). */
export const CLOCK_JUMP_MS = 2000;
const CHECK_EVERY_MS = 5000;

/**
 * Watches the wall clock against monotonic time (`RealClock.drift()`) and reports each step as a `clock-jump`.
 * Leases and holds run on monotonic time, so a jump changes no decision; it is logged because the wall-clock
 * times in the decision log before and after it are not comparable.
 */
export class ClockJumpMonitor {
  private timer?: NodeJS.Timeout;
  private last = 0;

  constructor(
    private readonly drift: () => number,
    private readonly jumped: (jump: ServerEventCatalogue['clock-jump']) => void,
  ) {}

  start(): void {
    this.last = this.drift();
    this.timer = setInterval(() => this.check(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    const drift = this.drift();
    if (Math.abs(drift - this.last) > CLOCK_JUMP_MS) this.jumped({ jump: drift - this.last, drift });
    this.last = drift;
  }
}
