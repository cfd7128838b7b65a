import { createHash, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { zodIssues } from '../engine/config/arbiter-config';
import { ConfigError } from '../engine/config/config-error';
import { natsNameSchema } from '../cluster/cluster-config';
import { signatureValid, type LogSigner } from '../server/signing-key';

/** Tells this format from any other signed text, so that no other signature of the fleet key passes as a bundle. */
export const BUNDLE_FORMAT = 'home-arbiter policy bundle 1';

/**
 * What a bundle carries (issue 15, function 11): the home's policies, facts, systems and monitor settings
 * (`config`), each replacing the home's own section when present. Never secrets, actuators, adapters, the store
 * or the server: those stay the home's.
 */
export const bundleContentSchema = z.strictObject({
  policies: z.array(z.unknown()).optional(),
  facts: z.array(z.unknown()).optional(),
  systems: z.array(z.unknown()).optional(),
  config: z.record(z.string(), z.unknown()).optional(),
});
export type BundleContent = z.output<typeof bundleContentSchema>;

const bodySchema = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  version: z.number().int().positive(),
  /** The home it is for, or the group of homes. */
  scope: z.union([z.strictObject({ home: natsNameSchema }), z.strictObject({ group: natsNameSchema })]),
  /** Staged rollout: only the homes whose canary bucket (canary.ts) is below this percentage take it. */
  canary: z.number().int().min(1).max(100).optional(),
  /** A signed rollback: a lower version, taken only by a home that runs version `from` now. */
  rollback: z.strictObject({ from: z.number().int().positive() }).optional(),
  /** When the publisher signed it (wall clock, ms). */
  issued: z.number().int().nonnegative(),
  content: bundleContentSchema,
});
export type BundleBody = z.output<typeof bodySchema>;

/** What the KV bucket holds: the body's exact JSON text, and the Ed25519 signature of that text. */
export interface SignedBundle {
  readonly payload: string;
  readonly signature: string;
}

/** A bundle the home does not take, with the reason it logs and reports. */
export class BundleRefusal extends Error {
  readonly code = 'BUNDLE_REFUSED';
}

/** Signs with the fleet's Ed25519 key (server/signing-key.ts, the one key implementation of the project). */
export function signBundle(body: BundleBody, signer: LogSigner): SignedBundle {
  const parsed = bodySchema.safeParse(body);
  if (!parsed.success) throw new ConfigError(zodIssues(parsed.error), 'bundle');
  const payload = JSON.stringify(parsed.data);
  return { payload, signature: signer.sign(payload) };
}

/** Identifies one signed bundle (the home remembers which it has handled). */
export function bundleDigest(signed: SignedBundle): string {
  return createHash('sha256').update(signed.payload).update('\u0000').update(signed.signature).digest('hex');
}

/** Reads a KV value as a signed bundle; what is not even that is refused with the reason. */
export function parseSignedBundle(bytes: Uint8Array): SignedBundle {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new BundleRefusal('not a signed bundle: the value is not JSON');
  }
  const v = value as Partial<SignedBundle> | null;
  if (typeof v?.payload !== 'string' || typeof v.signature !== 'string') throw new BundleRefusal('not a signed bundle: payload and signature are required');
  return { payload: v.payload, signature: v.signature };
}

/** The version a payload claims, before its signature is checked: for the log line of a refused bundle only. */
export function claimedVersion(signed: SignedBundle): number | null {
  try {
    const version = (JSON.parse(signed.payload) as { version?: unknown }).version;
    return typeof version === 'number' ? version : null;
  } catch {
    return null;
  }
}

/** Checks the signature against the pinned key, then the body's form; the body of a bundle that passes both. */
export function openBundle(signed: SignedBundle, publicKey: KeyObject): BundleBody {
  if (!validSignature(publicKey, signed)) throw new BundleRefusal('bad signature: not signed by the pinned fleet key (fleet.publicKey)');
  let raw: unknown;
  try {
    raw = JSON.parse(signed.payload);
  } catch {
    throw new BundleRefusal('the signed payload is not JSON');
  }
  const parsed = bodySchema.safeParse(raw);
  if (!parsed.success) throw new BundleRefusal(`not a bundle of this format: ${new ConfigError(zodIssues(parsed.error)).message}`);
  return parsed.data;
}

function validSignature(publicKey: KeyObject, signed: SignedBundle): boolean {
  try {
    return signatureValid(publicKey, signed.payload, signed.signature);
  } catch {
    return false; // a signature of the wrong length: not valid either
  }
}
