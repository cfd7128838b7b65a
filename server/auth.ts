import { createHash, timingSafeEqual } from 'node:crypto';
import type { LockoutSettings } from './server-config';
import { verifySecret, type CredentialId } from './secrets';

export type AuthResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly status: 401; readonly reason: 'missing' | 'unknown' | 'wrong'; readonly message: string }
  | { readonly ok: false; readonly status: 429; readonly message: string; readonly retryAfter: number };

export interface AuthListener {
  lockout(credential: CredentialId, until: number): void;
}

/** Unknown credential ids share one failure record, so that random ids cannot grow the table. */
const UNKNOWN = '(unknown)';

/**
 * Bearer-token checks against the stored scrypt hashes, with counted failures and a lockout per credential
 * (`lockout.failures` failures within `lockout.window` lock it for `lockout.duration`, even for the right token).
 * A verified token is remembered by its SHA-256 so that scrypt runs once per token, not once per command.
 */
export class Authenticator {
  private readonly verified = new Map<CredentialId, Buffer /* sha256 of the token */>();
  private readonly failures = new Map<CredentialId, number[] /* failure times */>();
  private readonly lockedUntil = new Map<CredentialId, number>();
  /** Verifications under way, by credential and token digest: a burst of requests with one new token costs one scrypt. */
  private readonly verifying = new Map<string, Promise<boolean>>();

  constructor(
    /** null: `--insecure-dev`, every request is let through. */
    private readonly hashes: ReadonlyMap<CredentialId, string> | null,
    private readonly lockout: LockoutSettings,
    private readonly listener: AuthListener,
    private readonly now: () => number = Date.now,
  ) {}

  get insecure(): boolean {
    return this.hashes === null;
  }

  async check(credential: CredentialId, authorization: string | undefined): Promise<AuthResult> {
    if (this.hashes === null) return { ok: true };
    const hash = this.hashes.get(credential);
    const key = hash ? credential : UNKNOWN;
    const locked = this.lockedUntil.get(key);
    if (locked !== undefined && locked > this.now()) {
      return { ok: false, status: 429, message: `${credential} is locked after repeated failures`, retryAfter: Math.ceil((locked - this.now()) / 1000) };
    }
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (!token) return this.fail(key, 'missing', 'missing Authorization: Bearer <token>');
    if (!hash) return this.fail(key, 'unknown', `no secret is configured for ${credential}`);
    const digest = createHash('sha256').update(token).digest();
    const known = this.verified.get(credential);
    if (known && timingSafeEqual(known, digest)) return { ok: true };
    if (!(await this.verify(credential, digest, token, hash))) return this.fail(key, 'wrong', `wrong secret for ${credential}`);
    this.verified.set(credential, digest);
    return { ok: true };
  }

  private verify(credential: CredentialId, digest: Buffer, token: string, hash: string): Promise<boolean> {
    const key = `${credential} ${digest.toString('hex')}`;
    let pending = this.verifying.get(key);
    if (!pending) {
      pending = verifySecret(token, hash).finally(() => this.verifying.delete(key));
      this.verifying.set(key, pending);
    }
    return pending;
  }

  private fail(key: CredentialId, reason: 'missing' | 'unknown' | 'wrong', message: string): AuthResult {
    const now = this.now();
    const recent = (this.failures.get(key) ?? []).filter((t) => t > now - this.lockout.window);
    recent.push(now);
    this.failures.set(key, recent);
    if (recent.length >= this.lockout.failures) {
      const until = now + this.lockout.duration;
      this.lockedUntil.set(key, until);
      this.failures.delete(key);
      this.listener.lockout(key, until);
    }
    return { ok: false, status: 401, reason, message };
  }
}
