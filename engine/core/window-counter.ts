/**
 * Counts events per subject within a sliding window and says when the threshold-th one arrives
 * (SPEC.md §7): an event exactly `window` old no longer counts, and once it has alarmed a subject stays quiet
 * until a whole window passes without the event.
 *
 * With `sustained`, a run (events each less than `window` after the one before) that has lasted that long alarms
 * as well, however slowly its events come; the two triggers share one alarm, and a quiet window ends the run.
 */
export class WindowCounter<K> {
  private readonly subjects = new Map<K, { times: number[]; alarmed: boolean; last: number; runStart: number }>();
  private sweptAt = -Infinity;

  constructor(
    private readonly window: number,
    private readonly threshold: number,
    private readonly sustained = Infinity,
  ) {}

  /** Records one event; true when it is the one that raises the alarm. */
  hit(subject: K, now: number): boolean {
    if (now - this.sweptAt >= this.window) this.sweep(now);
    let s = this.subjects.get(subject);
    if (!s) this.subjects.set(subject, (s = { times: [], alarmed: false, last: now, runStart: now }));
    if (now - s.last >= this.window) {
      s.alarmed = false;
      s.runStart = now;
    }
    s.last = now;
    const times = s.times;
    while (times.length > 0 && now - times[0] >= this.window) times.shift();
    times.push(now);
    // Only whether the threshold is reached matters, so keep no more than that many timestamps.
    if (times.length > this.threshold) times.shift();
    if (!s.alarmed && (times.length >= this.threshold || now - s.runStart >= this.sustained)) {
      s.alarmed = true;
      return true;
    }
    return false;
  }

  /**
   * A subject quiet for a whole window counts nothing and is re-armed, exactly as a new one: forget it, so that
   * the map holds only subjects active in the last window or two (claimant pairs come and go).
   */
  private sweep(now: number): void {
    this.sweptAt = now;
    for (const [subject, s] of this.subjects) if (now - s.last >= this.window) this.subjects.delete(subject);
  }

  /** How many subjects are remembered (for tests of the sweep). */
  get size(): number {
    return this.subjects.size;
  }

  /** Forgets a subject, e.g. when the operator releases a quarantine (which re-arms its monitor). */
  reset(subject: K): void {
    this.subjects.delete(subject);
  }
}
