import { Arbiter } from '../../engine/arbiter';
import { VirtualClock } from '../../engine/clock';
import { buildCoreConfig } from '../../engine/config/arbiter-config';
import type { CoreConfig } from '../../engine/core/arbiter-core';
import type { ArbiterEvent } from '../../engine/core/events';
import type { ArbiterStore } from '../../engine/store/arbiter-store';

/** A small UC4 home: a window, a lock and a light, with comfort, security and disaster systems. */
export function uc4Config(overrides: Record<string, unknown> = {}): CoreConfig {
  return buildCoreConfig({
    actuators: [
      { id: 'living.window', kind: 'window', initial: 'closed', safe: 'closed', zone: 'living' },
      { id: 'front.lock', kind: 'lock', initial: 'locked', safe: 'locked' },
      { id: 'hall.light', kind: 'light', initial: 'off', default: 'off' },
    ],
    systems: [
      { id: 'comfort-vent', category: 'comfort', targets: ['kind:window', 'kind:light'] },
      { id: 'security', category: 'property' },
      { id: 'disaster', category: 'life' },
    ],
    ...overrides,
  });
}

/** An arbiter in virtual time with its event log, started. */
export async function startArbiter(config: CoreConfig, options: { store?: ArbiterStore; clock?: VirtualClock } = {}) {
  const clock = options.clock ?? new VirtualClock(0);
  const arbiter = new Arbiter({ config, clock, ...(options.store ? { store: options.store } : {}) });
  const events: ArbiterEvent[] = [];
  arbiter.events$.subscribe((e) => events.push(e));
  await arbiter.start();
  const advance = (ms: number) => clock.advanceTo(clock.now() + ms, () => arbiter.settled());
  return { arbiter, clock, events, advance };
}

export function ofKind<T extends ArbiterEvent['type']>(events: readonly ArbiterEvent[], type: T) {
  return events.filter((e) => e.type === type) as Extract<ArbiterEvent, { type: T }>[];
}
