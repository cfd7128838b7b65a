import { z } from 'zod';
import { durationSchema } from '../engine/config/arbiter-config';
import { natsNameSchema, natsServersSchema } from '../cluster/cluster-config';

/** The `fleet:` section: the off-box decision log, signed policy bundles and the fleet view (issue 15). */
export const fleetSchema = z.strictObject({
  /** NATS servers; default: `cluster.servers`. */
  servers: natsServersSchema.optional(),
  /** This home's id in the fleet; default: `cluster.home`. */
  home: natsNameSchema.optional(),
  /** This process's name in the off-box log; default: `cluster.node`, else `main`. */
  node: natsNameSchema.optional(),
  /** The group whose bundles this home takes too (one sequence of versions with the home's own). */
  group: natsNameSchema.optional(),
  /** PEM file of the fleet's Ed25519 public key, pinned: only bundles it verifies are taken. None: no bundles. */
  publicKey: z.string().min(1).optional(),
  /** How long a new bundle is watched; safety alarms above the previous bundle's rate roll it back. */
  probation: durationSchema.optional(),
});

export interface FleetSettings {
  readonly servers: readonly string[];
  readonly home: string;
  readonly node: string;
  readonly group?: string;
  /** Absolute path of the pinned public key, when bundles are taken. */
  readonly publicKey?: string;
  readonly probation: number;
}

export const DEFAULT_PROBATION_MS = 600_000;
