import type { Capability } from './claim-capabilities';

/** `a, b and c`; a long list names the first few and counts the rest. */
export function listed(items: readonly string[], max = 5): string {
  const shown = items.length > max ? [...items.slice(0, max), `${items.length - max} more`] : [...items];
  return shown.length <= 1 ? shown.join('') : `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
}

/** `security (property, rank 1)`, `policy:rain-close (closed at property)`, `manual (comfort, by hand)`. */
export function describeClaim(c: Capability): string {
  const rank = c.rank !== 0 ? `, rank ${c.rank}` : '';
  return `${c.claimant} (${c.state !== undefined ? `${c.state} at ` : ''}${c.category}${c.manual ? ', by hand' : ''}${rank})`;
}
