/**
 * Loaded with `node --require` into a server under test: its wall clock reads HOME_ARBITER_CLOCK_SHIFT_MS off the
 * machine's (a dead RTC battery, a wrong manual setting), while monotonic time runs as it does.
 */
const shift = Number(process.env.HOME_ARBITER_CLOCK_SHIFT_MS ?? 0);
const RealDate = Date;
const realNow = RealDate.now.bind(RealDate);

class ShiftedDate extends RealDate {
  constructor(...args: unknown[]) {
    if (args.length === 0) super(realNow() + shift);
    else super(...(args as [string | number | Date]));
  }

  static override now(): number {
    return realNow() + shift;
  }
}

globalThis.Date = ShiftedDate as DateConstructor;
