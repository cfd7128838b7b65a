import type { ArbiterEvent } from '../core/events';
import { WindowCounter } from '../core/window-counter';
import type { Monitor, MonitorSettings } from './monitor';

/**
 * The UC5 alarm: the same two claimants keep contradicting each other on one actuator, either `count` times within
 * `window` or, slowly, without a quiet `window` for `for` (SPEC.md §7).
 */
export class PersistentConflictMonitor implements Monitor {
  private readonly counter: WindowCounter<string /* target + sorted pair */>;

  constructor(settings: MonitorSettings['persistentConflict']) {
    this.counter = new WindowCounter(settings.window, settings.count, settings.for);
  }

  observe(event: ArbiterEvent) {
    if (event.type !== 'conflict') return undefined;
    const systems = [event.winner, event.loser].sort();
    const subject = `${event.target}\u0000${systems[0]}\u0000${systems[1]}`;
    if (!this.counter.hit(subject, event.at)) return undefined;
    return { kind: 'persistent-conflict' as const, target: event.target, systems };
  }
}
