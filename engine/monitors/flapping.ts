import type { ArbiterEvent } from '../core/events';
import { WindowCounter } from '../core/window-counter';
import type { Monitor, MonitorSettings } from './monitor';

/** An actuator that is driven back and forth too often wears out and annoys: count its dispatches. */
export class FlappingMonitor implements Monitor {
  private readonly counter: WindowCounter<string /* actuator id */>;

  constructor(settings: MonitorSettings['flapping']) {
    this.counter = new WindowCounter(settings.window, settings.changes);
  }

  observe(event: ArbiterEvent) {
    if (event.type !== 'dispatched' || !this.counter.hit(event.target, event.at)) return undefined;
    return { kind: 'flapping' as const, target: event.target };
  }
}
