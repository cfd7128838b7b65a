import type { ArbiterEvent } from '../engine/core/events';

export type { DiagnosticResult } from '../engine/core/events';

/**
 * The server's own events, beside the engine's catalogue (engine/core/events.ts): they go to the same decision
 * log, SSE stream and status page. `at` is engine time, like the engine's events.
 */
export interface ServerEventCatalogue {
  'server-started': { recovered: boolean; claims: number };
  'server-stopped': { clean: true };
  /** Bad input from a device or the network, as the adapter reported it (device and field named). */
  'adapter-problem': { adapter: string; device?: string; field?: string; message: string };
  /** `source` is the peer's address. */
  'auth-failure': { credential: string; reason: string; source: string };
  /** `source` (an address, or an IPv6 /64) spent its guesses, the last on `credential`, and waits until `until`. */
  'auth-lockout': { source: string; credential: string; until: number };
  'clock-jump': { jump: number; drift: number };
  fault: { id: number; kind: string; reason: string };
  'lifetime-warning': { target: string; counter: 'cycles' | 'hours'; value: number; limit: number };
  'plugin-loaded': { module: string; system: string };
  'plugin-refused': { module: string; reason: string };
  /** A running plugin's process ended on its own: crashed, exited, or was ended for breaking the protocol. */
  'plugin-ended': { module: string; system: string; reason: string };
  /** The operator acknowledged the alarm logged as entry `alarm` (status page, `POST /api/alarms/<seq>/acknowledge`). */
  'alarm-acknowledged': { alarm: number; kind: string; target?: string; system?: string };
  /** `log rotate-key`: the decision log's signing key handed over, signed by the previous key (log-chain.ts KeyRotation). */
  'key-rotated': { previousKeyId: string; keyId: string; publicKey: string; signature: string };
  /** An online backup of the store was written (`file`, the `commit` it holds), or failed (`error`). */
  backup: { file?: string; commit?: number; error?: string };
  /** Cluster mode (cluster/): this node became active or standby, with the lease's epoch and the other node. */
  'cluster-role': { role: 'active' | 'standby'; epoch: number; node: string; peer: string | null; reason: string };
  /**
   * A step of a fleet policy bundle (fleet/bundle-follower.ts): received, refused, skipped (not in the canary
   * share), applied, kept after probation or rolled back, and why; `previous` is the version in force before.
   */
  bundle: { step: 'received' | 'refused' | 'skipped' | 'applied' | 'kept' | 'rolled-back'; version: number; previous: number | null; reason?: string };
}

export type ServerEventType = keyof ServerEventCatalogue;
export type ServerEventOf<K extends ServerEventType> = { type: K; at: number } & ServerEventCatalogue[K];
export type ServerEvent = { [K in ServerEventType]: ServerEventOf<K> }[ServerEventType];

/** What the log, the stream and the page carry. */
export type AnyEvent = ArbiterEvent | ServerEvent;

/** A server event before the composition root stamps it with engine time. */
export type ServerEventInput = { [K in ServerEventType]: { type: K } & ServerEventCatalogue[K] }[ServerEventType];
