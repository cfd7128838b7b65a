import { isIPv6 } from 'node:net';
import type { LockoutSettings } from './server-config';

/** Sources remembered at most: beyond it the longest-quiet record goes first, so that spoofed floods cannot grow memory. */
const MAX_SOURCES = 10_000;
/** Each lockout of a source lasts twice the one before, up to this many times `lockout.duration`. */
const MAX_BACKOFF_FACTOR = 64;

interface SourceRecord {
  /** Failed guesses within the window, by time. */
  failures: number[];
  /** Guesses being checked now (reserved before scrypt runs). */
  pending: number;
  /** Lockouts so far: the next one lasts `duration × 2^strikes`. */
  strikes: number;
  lockedUntil: number;
}

/**
 * The address whose guesses are counted together: an IPv4 address (also when IPv4-mapped), or the /64 prefix of
 * an IPv6 address, since one host commonly owns a whole /64.
 */
export function sourceKey(address: string | undefined): string {
  if (!address) return '(unknown)';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  if (!isIPv6(address)) return address;
  const [head, tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => Number.parseInt(g, 16).toString(16)).join(':')}::/64`;
}

/**
 * Failed guesses counted per source address (issue 10): `lockout.failures` failures within `lockout.window` lock
 * that source out for `lockout.duration`, doubled at each further lockout. A guess is reserved before its check
 * runs, so that a burst of parallel guesses cannot run more checks than the budget allows. What one source does
 * never locks out another.
 */
export class SourceBackoff {
  private readonly sources = new Map<string /* sourceKey() */, SourceRecord>();

  constructor(
    private readonly settings: LockoutSettings,
    private readonly now: () => number,
  ) {}

  /** Milliseconds until the source may guess again; 0 when it may now. */
  lockedFor(source: string): number {
    const record = this.current(source);
    return record ? Math.max(0, record.lockedUntil - this.now()) : 0;
  }

  /** Takes one guess from the source's budget; false when the budget is spent (locked, or every guess in flight). */
  reserve(source: string): boolean {
    const record = this.current(source) ?? this.create(source);
    const now = this.now();
    record.failures = record.failures.filter((t) => t > now - this.settings.window);
    if (record.lockedUntil > now || record.failures.length + record.pending >= this.settings.failures) return false;
    record.pending++;
    return true;
  }

  /** Ends a reserved guess. A failure counts; the one that fills the budget locks the source, and its end time is returned. */
  settle(source: string, failed: boolean): number | undefined {
    const record = this.sources.get(source);
    if (!record) return undefined;
    record.pending = Math.max(0, record.pending - 1);
    if (!failed) return undefined;
    const now = this.now();
    record.failures = record.failures.filter((t) => t > now - this.settings.window);
    record.failures.push(now);
    // Most recently failing last: the least recently failing source is the one evicted when the table is full.
    this.sources.delete(source);
    this.sources.set(source, record);
    if (record.failures.length < this.settings.failures) return undefined;
    record.lockedUntil = now + this.backoff(record.strikes);
    record.strikes++;
    record.failures = [];
    return record.lockedUntil;
  }

  /** A failed guess that needed no check (an unknown credential): reserved and settled at once. */
  fail(source: string): number | undefined {
    return this.reserve(source) ? this.settle(source, true) : undefined;
  }

  private backoff(strikes: number): number {
    return this.settings.duration * Math.min(2 ** strikes, MAX_BACKOFF_FACTOR);
  }

  /** The source's record, forgotten once it has been quiet for as long as its next lockout would last. */
  private current(source: string): SourceRecord | undefined {
    const record = this.sources.get(source);
    if (record && this.forgettable(record)) {
      this.sources.delete(source);
      return undefined;
    }
    return record;
  }

  private forgettable(record: SourceRecord): boolean {
    const now = this.now();
    const lastFailure = record.failures.at(-1) ?? -Infinity;
    return record.pending === 0 && lastFailure <= now - this.settings.window && record.lockedUntil + this.backoff(record.strikes) <= now;
  }

  private create(source: string): SourceRecord {
    if (this.sources.size >= MAX_SOURCES) {
      for (const [key, record] of this.sources) if (this.forgettable(record)) this.sources.delete(key);
      if (this.sources.size >= MAX_SOURCES) this.sources.delete(this.sources.keys().next().value!);
    }
    const record: SourceRecord = { failures: [], pending: 0, strikes: 0, lockedUntil: 0 };
    this.sources.set(source, record);
    return record;
  }
}
