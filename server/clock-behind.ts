import { formatDuration } from '../engine/core/duration';
import { CLOCK_JUMP_MS } from './clock-jump-monitor';

/**
 * The wall clock at start against the store's high-water mark (issue 11, item 5). A clock behind the mark (a dead
 * RTC battery, a wrong manual setting) would give stored leases and facts time they never had: the engine's clock
 * starts at the mark instead (`RealClock`'s `notBefore`), and this is an error, and an alarm for whoever runs the
 * engine, until someone sets the clock right. `timeSync` is what the system says of its synchronisation.
 */
export function clockAtStart(mark: number, wall: number, timeSync: string): { readonly ok: boolean; readonly message: string } {
  const behind = mark - wall;
  if (behind <= CLOCK_JUMP_MS) return { ok: true, message: `wall clock ${new Date(wall).toISOString()}; ${timeSync}` };
  return {
    ok: false,
    message: `clock-behind: the wall clock (${new Date(wall).toISOString()}) is ${formatDuration(Math.round(behind / 1000) * 1000)} behind the store's high-water mark (${new Date(mark).toISOString()}); leases and staleness are measured from the mark, never extended; set the clock right (${timeSync})`,
  };
}
