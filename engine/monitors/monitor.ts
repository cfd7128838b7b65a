import type { ArbiterEvent, ArbiterEventOf } from '../core/events';

/** A monitor watches the engine's own events and answers with an alarm when its pattern completes (SPEC.md §7). */
export interface Monitor {
  observe(event: ArbiterEvent): Omit<ArbiterEventOf<'alarm'>, 'type' | 'at'> | undefined;
  /** Re-arms a subject, e.g. a system whose quarantine the operator lifted. */
  reset?(subject: string): void;
}

export interface MonitorSettings {
  readonly persistentConflict: { readonly window: number; readonly count: number };
  readonly flapping: { readonly window: number; readonly changes: number };
  readonly quarantine: { readonly window: number; readonly denials: number };
}

export const DEFAULT_MONITOR_SETTINGS: MonitorSettings = {
  persistentConflict: { window: 60_000, count: 3 },
  flapping: { window: 60_000, changes: 6 },
  quarantine: { window: 60_000, denials: 5 },
};
