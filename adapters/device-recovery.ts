import type { AvailabilityChange } from './device-adapter';

/** After the n-th failed dispatch of a state in a row, a device must answer 2^(n-1) probes to count as reachable: 1, 2, 4 ... 64. */
const MAX_PROBES_AFTER_REFUSALS = 64;

interface Awaiting {
  /** Set once availability$ said false; an actuator that only awaits its first answer since start has none. */
  readonly reason?: string;
  /** Probes sent since the failure (an adapter's token: a TID, a request); only their answers count. */
  readonly probes: Set<unknown>;
  answersNeeded: number;
}

/**
 * The recovery contract every adapter keeps (SPEC.md §4, unavailable actuators). The engine holds an actuator
 * unavailable after any failed dispatch, a refusal as much as a time-out, until its adapter says it is reachable
 * again; so the adapter probes it (a read, never the refused command) and says so on the next frame:
 *
 * - at start every bound actuator awaits its first answer, which says "available" whatever the store restored;
 * - a time-out or a refusal makes it unavailable and probed; an answer to a probe sent since, or anything the
 *   device says of its own accord (an announcement, a confirmation), makes it available again;
 * - failed dispatches of the same state in a row, refused or unanswered, double the probe answers needed before
 *   that (1, 2, 4 ... 64), so a device that keeps refusing is not sent the same command again on every probe: the
 *   engine re-dispatches on each restore, and that would be a loop. A device that answers the probes but leaves
 *   the command unanswered refuses it in effect (zigbee2mqtt reports a lock's refused lockDoor as nothing at all).
 */
export class DeviceRecovery<State = unknown> {
  private readonly awaiting = new Map<string /* actuator id */, Awaiting>();
  private readonly failures = new Map<string /* actuator id */, { readonly state: State; readonly count: number }>();

  constructor(private readonly emit: (change: AvailabilityChange) => void) {}

  /** Start-up: each actuator's first answer says it is available (the engine may have restored it unavailable). */
  expectFirstAnswer(actuatorIds: Iterable<string>, probe: unknown): void {
    for (const id of actuatorIds) this.awaiting.set(id, { probes: new Set([probe]), answersNeeded: 1 });
  }

  /**
   * No answer in time: unavailable until it answers a probe. A dispatch of `state` that went unanswered counts
   * with the refusals of that state.
   */
  timedOut(actuatorId: string, reason: string, state?: State): void {
    if (state === undefined) this.fail(actuatorId, reason, 1);
    else this.refused(actuatorId, state, reason);
  }

  /** The device said no to `state`: unavailable, and the more often in a row, the more probes it must answer. */
  refused(actuatorId: string, state: State, reason: string): void {
    const last = this.failures.get(actuatorId);
    const count = last && last.state === state ? last.count + 1 : 1;
    this.failures.set(actuatorId, { state, count });
    this.fail(actuatorId, reason, Math.min(2 ** (count - 1), MAX_PROBES_AFTER_REFUSALS));
  }

  /** The actuators to probe now. */
  get unreachable(): string[] {
    return [...this.awaiting.keys()];
  }

  /** Why the actuator was reported unavailable, while it is. */
  reason(actuatorId: string): string | undefined {
    return this.awaiting.get(actuatorId)?.reason;
  }

  /** A probe went out for these actuators (one read may serve several on one device). */
  probing(actuatorIds: Iterable<string>, probe: unknown): void {
    for (const id of actuatorIds) this.awaiting.get(id)?.probes.add(probe);
  }

  /** An answer to `probe`; without a token, any answer counts (a protocol that cannot match answers to requests). */
  answered(actuatorId: string, probe?: unknown): void {
    const entry = this.awaiting.get(actuatorId);
    if (!entry || (probe !== undefined && !entry.probes.has(probe))) return;
    if (--entry.answersNeeded <= 0) this.restore(actuatorId);
  }

  /** The device spoke of its own accord (an announcement, a change by hand) or carried out a command. */
  spoke(actuatorId: string): void {
    this.failures.delete(actuatorId);
    const entry = this.awaiting.get(actuatorId);
    if (entry) this.restore(actuatorId);
  }

  clear(): void {
    this.awaiting.clear();
    this.failures.clear();
  }

  private fail(actuatorId: string, reason: string, answersNeeded: number): void {
    const wasReported = this.awaiting.get(actuatorId)?.reason !== undefined;
    this.awaiting.set(actuatorId, { reason, probes: new Set(), answersNeeded });
    if (!wasReported) this.emit({ actuatorId, available: false, reason });
  }

  private restore(actuatorId: string): void {
    this.awaiting.delete(actuatorId);
    this.emit({ actuatorId, available: true });
  }
}
