import type { ArbiterEvent } from './core/events';

/** One readable sentence per event, for logs, the CLI report and status badges. */
export function describeEvent(e: ArbiterEvent): string {
  switch (e.type) {
    case 'dispatched':
      return `${e.target} → ${e.state} (by ${e.by})`;
    case 'conflict':
      return `conflict on ${e.target}: ${e.winner} (${e.winnerState}) beats ${e.loser} (${e.loserState}) by ${e.resolution}`;
    case 'denied':
      if (e.fact !== undefined) return `denied ${e.system} writing fact ${e.fact}: ${e.reason}`;
      return `denied ${e.system} → ${e.target}=${String(e.state)}: ${e.reason}${e.rule ? ` (rule ${e.rule})` : ''}`;
    case 'expired':
      return `claim of ${e.system} on ${e.target} expired`;
    case 'revoked':
      return `claim of ${e.system} on ${e.target} revoked by rule ${e.rule}`;
    case 'alarm':
      return `ALARM ${e.kind}${e.target ? ` on ${e.target}` : ''}${e.state !== undefined ? ` (${e.state} cannot be delivered)` : ''}${e.systems ? ` between ${e.systems.join(' and ')}` : ''}${e.system ? ` for ${e.system}` : ''}${e.rule ? ` from rule ${e.rule}` : ''}${e.message ? `: ${e.message}` : ''}`;
    case 'degraded':
      return `degraded: ${e.target ?? `fact ${e.fact}`}${e.reason ? ` (${e.reason})` : ''}`;
    case 'restored':
      return e.store ? 'restored: the store writes again' : `restored: ${e.target ?? `fact ${e.fact}`}`;
    case 'manual':
      return `manual change on ${e.target} → ${e.state}`;
    case 'claimed':
      return `${e.claimant} claims ${e.target}=${e.state} at ${e.category}${e.rank ? ` rank ${e.rank}` : ''}${e.manual ? ' (manual)' : ''}: ${e.outcome}`;
    case 'released':
      if (e.item === 'claim') return `claim of ${e.system} on ${e.target} released (${e.reason})`;
      return `${e.item} of ${e.system ?? e.target} released (${e.reason})`;
    case 'fact':
      return `fact ${e.name} = ${JSON.stringify(e.value) ?? 'undefined'} (by ${e.by ?? e.source})`;
    case 'operator':
      return `operator ${e.action}${e.target ? ` ${e.target}` : ''}${e.system ? ` ${e.system}` : ''}`;
    case 'reverted':
      return e.operator
        ? 'operator state reverted to what the store holds: its commit failed'
        : `claim of ${e.claimant} on ${e.target} reverted to what the store holds (${e.state === null ? 'none' : e.state}): its commit failed`;
    case 'trend-warning':
      return `trend: ${e.subject} ${e.measure} at ${e.value}, baseline ${e.baseline}`;
    case 'diagnostics':
      return `diagnostics: ${e.results.map((r) => `${r.ok ? 'ok' : 'FAILED'} ${r.subject}: ${r.message}`).join('; ')}`;
  }
}
