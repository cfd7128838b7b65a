import { RealClock, type Clock } from '../engine/clock';

/** A change of the wall clock against monotonic time larger than this is a jump (an NTP step, a user). */
export const CLOCK_JUMP_MS = 2000;
const CHECK_EVERY_MS = 5000;

/** One step of the wall clock: by how much, and how far it is now from monotonic time (positive: ahead). */
export interface ClockJump {
  readonly jump: number;
  readonly drift: number;
}

/**
 * Watches the wall clock against monotonic time (`RealClock.drift()`) and reports each step as a `clock-jump`.
 * Leases and holds run on monotonic time, so a jump changes no decision; it is logged because the wall-clock
 * times in the decision log before and after it are not comparable. The checks run on `clock` (the engine's, so
 * that tests run them in virtual time); what a jump becomes is the caller's (a server event, a Node-RED warning).
 */
export class ClockJumpMonitor {
  private cancel?: () => void;
  private last = 0;

  constructor(
    private readonly drift: () => number,
    private readonly jumped: (jump: ClockJump) => void,
    private readonly clock: Clock = new RealClock(),
    private readonly every = CHECK_EVERY_MS,
  ) {}

  start(): void {
    if (this.cancel) return;
    this.last = this.drift();
    const next = () => {
      this.cancel = this.clock.schedule(this.clock.now() + this.every, () => {
        this.check();
        next();
      });
    };
    next();
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  private check(): void {
    const drift = this.drift();
    if (Math.abs(drift - this.last) > CLOCK_JUMP_MS) this.jumped({ jump: drift - this.last, drift });
    this.last = drift;
  }
}
