import type { Explanation } from '../../engine';

const show = (v: unknown) => (v === undefined ? 'unknown' : String(v));

/**
 * `explain()` in one sentence, in the words of the status page: "living.window is closed (desired closed): security
 * wins, the highest priority (…); comfort-vent (open) waits: its category comfort is below property".
 */
export function describeExplanation(e: Explanation): string {
  const head = `${e.target} is ${show(e.state)} (desired ${show(e.desired)}${e.available ? '' : ', device unreachable'})`;
  if (e.claims.length === 0) return `${head}: no claim`;
  const winnerFirst = [...e.claims].sort((a, b) => Number(b.verdict === 'winner') - Number(a.verdict === 'winner'));
  const parts = winnerFirst.map((c) => (c.verdict === 'winner' ? `${c.claimant} wins, ${c.reason}` : `${c.claimant} (${show(c.state)}) waits: ${c.reason}`));
  return `${head}: ${parts.join('; ')}`;
}
