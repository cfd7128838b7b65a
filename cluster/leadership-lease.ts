import type { KV } from '@nats-io/kv';
import { Subject } from 'rxjs';

/** The value of a home's lease key: who holds it, under which epoch; `released` after a handover. */
export interface LeaseValue {
  readonly node: string;
  readonly epoch: number;
  readonly released?: boolean;
  /** A handover names the node that may take the released lease at once; others wait for it to lapse. */
  readonly to?: string;
}

export interface LeaseChange {
  readonly role: 'active' | 'standby';
  readonly epoch: number;
  readonly holder: string | null;
  readonly reason: string;
  /** Taken from a holder that had released it: a handover was carried out, whoever ends up with the lease. */
  readonly afterRelease?: boolean;
}

/** The lease is renewed this often while held (the issue's "renewed every second"). */
export const RENEW_EVERY_MS = 1_000;
/** How often the lease key is read and the lease's age checked: a standby sees a lapse this much late at most. */
const CHECK_EVERY_MS = 50;

const decode = (bytes: Uint8Array): LeaseValue => JSON.parse(new TextDecoder().decode(bytes)) as LeaseValue;
const encode = (value: LeaseValue): string => JSON.stringify(value);

/**
 * Leadership of one home as a lease in a JetStream KV bucket: every change is a compare-and-set on the key's
 * revision, so of two nodes that try at once exactly one wins. The holder renews every second and fences itself
 * `failover − margin` after it *sent* its last successful renewal; the others take the lease over when they have
 * seen no new revision for `failover − 2·margin/3`, measured from when they *saw* that renewal, which is later: the
 * two are never active together (for equal clock rates, with margin/3 to spare for clock rates and a dispatch on
 * its way from the old holder, whose check is synchronous right before its adapter), and the new holder has time
 * to start dispatching within `failover` of the old one's last renewal (the issue: take-over within `failover`).
 * `validEpoch()` is synchronous and reads the monotonic clock, so a process resumed after SIGSTOP sees its lapsed
 * lease before anything else runs.
 */
export class LeadershipLease {
  private role: 'active' | 'standby' = 'standby';
  private epoch = 0;
  private holder: string | null = null;
  private revision = 0;
  private renewedAt = -Infinity;
  private observedAt: number;
  private lastRenewal = -Infinity;
  /** The check under way (one at a time): a renewal in flight changes the key's revision. */
  private checking?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private readonly margin: number;
  /** How long a standby waits after the last renewal it saw before it takes the lease. */
  private readonly patience: number;
  private readonly changesSubject = new Subject<LeaseChange>();
  readonly changes$ = this.changesSubject.asObservable();

  constructor(
    private readonly kv: KV,
    private readonly key: string,
    private readonly node: string,
    private readonly failover: number,
    /** The monotonic clock, in ms (injected by the tests). */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.margin = Math.min(1_000, failover / 5);
    this.patience = Math.round(failover - (2 * this.margin) / 3);
    this.observedAt = now();
  }

  start(): void {
    this.timer ??= setInterval(() => {
      this.checking ??= this.check().finally(() => (this.checking = undefined));
    }, CHECK_EVERY_MS);
  }

  /** Stops renewing; an active holder keeps the lease until it lapses (use `release` to hand it over at once). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.lose('this node stopped');
  }

  /** The epoch under which this node may dispatch now, or undefined when it must not. */
  validEpoch(): number | undefined {
    if (this.role !== 'active') return undefined;
    if (this.now() - this.renewedAt >= this.failover - this.margin) {
      this.lose(`the lease was not renewed for ${this.failover - this.margin} ms`);
      return undefined;
    }
    return this.epoch;
  }

  get status(): { role: 'active' | 'standby'; epoch: number; holder: string | null } {
    this.validEpoch();
    return { role: this.role, epoch: this.epoch, holder: this.holder };
  }

  /** Hands the lease over: the caller has already stopped dispatching and replicating. */
  async release(to?: string): Promise<void> {
    if (this.role !== 'active') return;
    const epoch = this.epoch;
    this.lose(`handed over${to ? ` to ${to}` : ''}`);
    // A renewal sent just before would make this compare-and-set fail on a stale revision: wait for it.
    await this.checking;
    this.revision = await this.kv.update(this.key, encode({ node: this.node, epoch, released: true, ...(to ? { to } : {}) }), this.revision);
    this.observedAt = this.now();
  }

  private async check(): Promise<void> {
    try {
      if (this.validEpoch() !== undefined) {
        if (this.now() - this.lastRenewal >= RENEW_EVERY_MS) await this.renew();
      } else await this.watchForLapse();
    } catch {
      // NATS unreachable or slow: the holder's validity runs out by itself, and a standby tries again next check.
    }
  }

  private async renew(): Promise<void> {
    const sentAt = this.now();
    this.lastRenewal = sentAt;
    try {
      this.revision = await this.kv.update(this.key, encode({ node: this.node, epoch: this.epoch }), this.revision);
      if (this.role === 'active') this.renewedAt = sentAt;
    } catch (err) {
      if (/wrong last sequence/.test(String(err))) this.lose('another node took the lease');
      else throw err;
    }
  }

  private async watchForLapse(): Promise<void> {
    const entry = await this.kv.get(this.key);
    if (!entry || entry.operation !== 'PUT') {
      await this.acquire(() => this.kv.create(this.key, encode({ node: this.node, epoch: 1 })), 1, 'no node held the lease');
      return;
    }
    const value = decode(entry.value);
    if (entry.revision !== this.revision) {
      this.revision = entry.revision;
      this.observedAt = this.now();
      this.epoch = value.epoch;
      this.holder = value.released ? null : value.node;
    }
    const next = value.epoch + 1;
    const take = () => this.kv.update(this.key, encode({ node: this.node, epoch: next }), entry.revision);
    // A node does not take back at once the lease it just released: that is for the others (or the one named).
    const afterRelease = value.released === true;
    if (value.released && value.node !== this.node && (value.to === undefined || value.to === this.node)) await this.acquire(take, next, `${value.node} handed the lease over`, afterRelease);
    else if (this.now() - this.observedAt >= this.patience) await this.acquire(take, next, `the lease of ${value.released ? 'nobody' : value.node} lapsed (not renewed for ${this.patience} ms)`, afterRelease);
  }

  private async acquire(cas: () => Promise<number>, epoch: number, reason: string, afterRelease = false): Promise<void> {
    const sentAt = this.now();
    try {
      this.revision = await cas();
    } catch (err) {
      if (/wrong last sequence|key exists/.test(String(err))) return; // another node was quicker
      throw err;
    }
    this.role = 'active';
    this.epoch = epoch;
    this.holder = this.node;
    this.renewedAt = this.lastRenewal = sentAt;
    this.changesSubject.next({ role: 'active', epoch, holder: this.node, reason, ...(afterRelease ? { afterRelease } : {}) });
  }

  private lose(reason: string): void {
    if (this.role !== 'active') return;
    this.role = 'standby';
    this.holder = null;
    this.observedAt = this.now();
    this.changesSubject.next({ role: 'standby', epoch: this.epoch, holder: null, reason });
  }
}
