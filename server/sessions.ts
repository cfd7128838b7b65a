import { randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'home_arbiter_session';
const SESSION_MS = 12 * 3_600_000;

/**
 * Browser sessions for the status page when reads need the operator (`auth.reads: operator`): EventSource cannot
 * send an Authorization header, so the page trades the operator token for an HttpOnly, SameSite=Strict cookie.
 * The cookie opens reads only: every write still needs its bearer token, so a forged cross-site request has
 * nothing to ride on.
 */
export class Sessions {
  private readonly expiry = new Map<string /* session id */, number /* expires at, wall ms */>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A new session; the `Set-Cookie` header value to answer with. */
  create(secure: boolean): string {
    this.sweep();
    const id = randomBytes(32).toString('base64url');
    this.expiry.set(id, this.now() + SESSION_MS);
    return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MS / 1000}${secure ? '; Secure' : ''}`;
  }

  /** Whether the request's Cookie header carries a live session. */
  valid(cookieHeader: string | undefined): boolean {
    const id = cookieHeader?.split(';').map((c) => c.trim().split('=')).find(([name]) => name === SESSION_COOKIE)?.[1];
    const expires = id === undefined ? undefined : this.expiry.get(id);
    return expires !== undefined && expires > this.now();
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, expires] of this.expiry) if (expires <= now) this.expiry.delete(id);
  }
}
