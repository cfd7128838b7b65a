/**
 * Runs every stop in order even when one fails, then throws the first failure: a broker left running keeps
 * mocha from exiting, so one failing client must not skip the broker's stop.
 */
export async function stopAll(...stops: (() => Promise<unknown> | unknown)[]): Promise<void> {
  const failures: unknown[] = [];
  for (const stop of stops) {
    try {
      await stop();
    } catch (err) {
      failures.push(err);
    }
  }
  if (failures.length > 0) throw failures[0];
}
