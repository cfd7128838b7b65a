import type { LogEntry } from './decision-log';

export interface LastCommand {
  readonly target: string;
  readonly state: unknown;
  readonly outcome: 'accepted' | 'deferred' | 'denied';
  /** Why it was denied (SPEC.md §2), for a denied command. */
  readonly reason?: string;
  /** Wall-clock time of the decision, as the decision log recorded it. */
  readonly wall: number;
}

/**
 * Each control system's last command, read from the decision log's entries rather than from the HTTP API, so that
 * commands from plugins and the demo driver count as well as those over HTTP: every command ends in `claimed`
 * (accepted or deferred) or `denied` (SPEC.md §2).
 */
export class LastCommands {
  private readonly bySystem = new Map<string /* system id */, LastCommand>();

  observe({ wall, event }: LogEntry): void {
    if (event.type === 'claimed' && event.manual === false) {
      const outcome = event.outcome === 'winning' ? 'accepted' : 'deferred';
      this.bySystem.set(String(event.claimant), { target: String(event.target), state: event.state, outcome, wall });
    } else if (event.type === 'denied' && typeof event.target === 'string') {
      this.bySystem.set(String(event.system), { target: event.target, state: event.state, outcome: 'denied', reason: String(event.reason), wall });
    }
  }

  get(system: string): LastCommand | null {
    return this.bySystem.get(system) ?? null;
  }
}
