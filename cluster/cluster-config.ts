import { z } from 'zod';
import { durationSchema } from '../engine/config/arbiter-config';

/** NATS subjects, stream and bucket names are built from these: letters, digits, `-` and `_` only. */
export const natsNameSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, "-" or "_"');
export const natsServersSchema = z.array(z.string().regex(/^(nats|tls):\/\/\S+$/, 'must be a nats:// or tls:// URL')).min(1);

/** The `cluster:` section: a hot standby for one home (issue 15, function 17). */
export const clusterSchema = z.strictObject({
  /** The NATS JetStream servers (a cluster of three for R3). */
  servers: natsServersSchema,
  /** The home both nodes serve: the lease and the claim stream are per home. */
  home: natsNameSchema,
  /** This process's name in the lease and on the status page; each node of a home has its own. */
  node: natsNameSchema,
  /** The lease lapses this long after its last renewal (renewed every second); the standby then takes over. */
  failover: durationSchema.refine((ms) => ms >= 2_000, 'must be at least 2s (the lease is renewed every second)').optional(),
  /** Copies of the claim stream and the lease bucket kept by JetStream. */
  replicas: z.number().int().min(1).max(5).optional(),
});

export interface ClusterSettings {
  readonly servers: readonly string[];
  readonly home: string;
  readonly node: string;
  readonly failover: number;
  readonly replicas: number;
}

export const DEFAULT_FAILOVER_MS = 5_000;

export function clusterSettingsFrom(raw: z.output<typeof clusterSchema>): ClusterSettings {
  return { servers: raw.servers, home: raw.home, node: raw.node, failover: raw.failover ?? DEFAULT_FAILOVER_MS, replicas: raw.replicas ?? 3 };
}
