import type { ArbiterEvent, ArbiterEventOf } from '../core/events';

/** A monitor watches the engine's own events and answers with an alarm when its pattern completes (SPEC.md §7). */
export interface Monitor {
  observe(event: ArbiterEvent): Omit<ArbiterEventOf<'alarm'>, 'type' | 'at'> | undefined;
  /** Re-arms a subject, e.g. a system whose quarantine the operator lifted. */
  reset?(subject: string): void;
}

export interface MonitorSettings {
  /** `for`: a run of conflicts (each less than `window` after the one before) that lasts this long alarms too. */
  readonly persistentConflict: { readonly window: number; readonly count: number; readonly for: number };
  readonly flapping: { readonly window: number; readonly changes: number };
  readonly quarantine: { readonly window: number; readonly denials: number };
}

export const DEFAULT_MONITOR_SETTINGS: MonitorSettings = {
  persistentConflict: { window: 60_000, count: 3, for: 600_000 },
  flapping: { window: 60_000, changes: 6 },
  quarantine: { window: 60_000, denials: 5 },
};
