import type { ArbiterEventOf } from '../engine/core/events';
import type { DecisionLog, LogEntry } from './decision-log';

export interface ActiveAlarm {
  /** The alarm's sequence number in the decision log. */
  readonly id: number;
  readonly wall: number;
  readonly alarm: ArbiterEventOf<'alarm'>;
}

/** Alarms looked at after a restart: the newest this many alarm and acknowledgement entries of the log. */
const RESTORE_ENTRIES = 1000;

/**
 * Alarms stay active until the operator acknowledges them (`alarm-acknowledged`, in the decision log like every
 * event), so a home owner who was away still sees what happened; the status page lists them. The log is the
 * record: after a restart the alarms that no acknowledgement follows are active again.
 */
export class ActiveAlarms {
  private readonly active = new Map<number /* log seq */, ActiveAlarm>();

  restore(log: DecisionLog): void {
    for (const entry of log.readTypes(['alarm', 'alarm-acknowledged'], RESTORE_ENTRIES)) this.observe(entry);
  }

  observe({ seq, wall, event }: LogEntry): void {
    // The log holds what the edge server recorded: an `alarm` entry is the engine's alarm event.
    if (event.type === 'alarm') this.active.set(seq, { id: seq, wall, alarm: event as unknown as ArbiterEventOf<'alarm'> });
    else if (event.type === 'alarm-acknowledged') this.active.delete(Number(event.alarm));
  }

  get(id: number): ActiveAlarm | undefined {
    return this.active.get(id);
  }

  /** Newest first. */
  list(): ActiveAlarm[] {
    return [...this.active.values()].reverse();
  }
}
