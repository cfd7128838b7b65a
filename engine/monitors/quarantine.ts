import type { ArbiterEvent } from '../core/events';
import { WindowCounter } from '../core/window-counter';
import type { Monitor, MonitorSettings } from './monitor';

/** A plugin that keeps reaching beyond its rights is isolated; the engine acts on the alarm this raises. */
export class QuarantineMonitor implements Monitor {
  private readonly counter: WindowCounter<string /* system id */>;

  constructor(settings: MonitorSettings['quarantine']) {
    this.counter = new WindowCounter(settings.window, settings.denials);
  }

  observe(event: ArbiterEvent) {
    if (event.type !== 'denied' || event.reason !== 'unauthorized') return undefined;
    if (!this.counter.hit(event.system, event.at)) return undefined;
    return { kind: 'quarantine' as const, system: event.system };
  }

  reset(system: string): void {
    this.counter.reset(system);
  }
}
