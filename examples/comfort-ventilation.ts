import type { Observable, Subscription } from 'rxjs';
import type { Arbiter } from '../engine';

export interface RoomReading {
  readonly celsius: number;
  readonly pm25: number;
}

/**
 * A control system in about twenty lines: comfort ventilation opens a window when the room is warm and the air
 * outside is clean, and gives up its claim otherwise. It never needs to know about security, rain or fire: the
 * arbiter defers its claim while anything more important holds the window, and brings it back afterwards.
 */
export function comfortVentilation(arbiter: Arbiter, window: string, readings: Observable<RoomReading>): Subscription {
  const vent = arbiter.registerSystem({ id: 'comfort-vent', category: 'comfort', targets: ['kind:window'] });
  return readings.subscribe(async ({ celsius, pm25 }) => {
    if (celsius > 26 && pm25 < 35) {
      const result = await vent.command(window, 'open', { ttl: 30 * 60_000 });
      if (result.outcome === 'deferred') console.log(`comfort-vent: ${window} is held by ${result.winner} for now`);
    } else {
      await vent.release(window);
    }
  });
}
