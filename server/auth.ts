import { createHash, timingSafeEqual } from 'node:crypto';
import type { LockoutSettings } from './server-config';
import { verifySecret, type CredentialId } from './secrets';
import { SourceBackoff, sourceKey } from './source-backoff';

export type AuthResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly status: 401; readonly reason: 'missing' | 'unknown' | 'wrong'; readonly message: string }
  | { readonly ok: false; readonly status: 429; readonly message: string; readonly retryAfter: number };

export interface AuthListener {
  /** `source` spent its budget of guesses on `credential` (its last guess) and is locked out until `until`. */
  lockout(source: string, credential: CredentialId, until: number): void;
}

const OK: AuthResult = { ok: true };

interface Verification {
  readonly digest: Buffer;
  readonly result: Promise<boolean>;
}

/**
 * Bearer-token checks against the stored scrypt hashes (issue 10, items 2 and 3). Guesses are counted per source
 * address (`SourceBackoff`), never against a credential: nobody can lock the fire system or the operator out by
 * failing on their behalf, and a token once verified is remembered by its SHA-256 and accepted whatever anyone
 * else has failed. A request without a credential guesses nothing and is not counted. Each guess is reserved
 * before scrypt runs, and one source checks at most one token per credential at a time (requests with the same
 * token share that check), so a burst of parallel guesses costs at most the lockout budget in scrypt runs.
 */
export class Authenticator {
  private readonly verified = new Map<CredentialId, Buffer /* sha256 of the token */>();
  private readonly verifying = new Map<string /* credential and source */, Verification>();
  private readonly backoff: SourceBackoff;

  constructor(
    /** null: `--insecure-dev`, every request is let through. */
    private readonly hashes: ReadonlyMap<CredentialId, string> | null,
    lockout: LockoutSettings,
    private readonly listener: AuthListener,
    now: () => number = Date.now,
  ) {
    this.backoff = new SourceBackoff(lockout, now);
  }

  get insecure(): boolean {
    return this.hashes === null;
  }

  /** Checks `authorization` for `credential`; `address` is the peer's address (the source the guesses count for). */
  async check(credential: CredentialId, authorization: string | undefined, address: string | undefined): Promise<AuthResult> {
    if (this.hashes === null) return OK;
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (!token) return { ok: false, status: 401, reason: 'missing', message: 'missing Authorization: Bearer <token>' };
    const digest = createHash('sha256').update(token).digest();
    const known = this.verified.get(credential);
    if (known && timingSafeEqual(known, digest)) return OK;

    const source = sourceKey(address);
    const locked = this.lockedOut(source);
    if (locked) return locked;
    const hash = this.hashes.get(credential);
    if (!hash) {
      this.failed(source, credential, this.backoff.fail(source));
      return { ok: false, status: 401, reason: 'unknown', message: `no secret is configured for ${credential}` };
    }
    const wrong: AuthResult = { ok: false, status: 401, reason: 'wrong', message: `wrong secret for ${credential}` };
    const key = `${credential}\n${source}`;
    const running = this.verifying.get(key);
    if (running) {
      if (!running.digest.equals(digest)) return { ok: false, status: 429, message: `a secret for ${credential} from ${source} is being checked; one at a time`, retryAfter: 1 };
      return (await running.result) ? OK : wrong;
    }
    if (!this.backoff.reserve(source)) return this.lockedOut(source) ?? { ok: false, status: 429, message: `${source} has guesses for ${credential} being checked`, retryAfter: 1 };
    const result = verifySecret(token, hash);
    this.verifying.set(key, { digest, result });
    let good: boolean;
    try {
      good = await result;
    } catch (err) {
      // A hash scrypt cannot use is the server's fault, not a guess.
      this.backoff.settle(source, false);
      throw err;
    } finally {
      this.verifying.delete(key);
    }
    this.failed(source, credential, this.backoff.settle(source, !good));
    if (!good) return wrong;
    this.verified.set(credential, digest);
    return OK;
  }

  private lockedOut(source: string): AuthResult | undefined {
    const ms = this.backoff.lockedFor(source);
    return ms > 0 ? { ok: false, status: 429, message: `${source} is locked out after repeated failures`, retryAfter: Math.ceil(ms / 1000) } : undefined;
  }

  private failed(source: string, credential: CredentialId, lockedUntil: number | undefined): void {
    if (lockedUntil !== undefined) this.listener.lockout(source, credential, lockedUntil);
  }
}
