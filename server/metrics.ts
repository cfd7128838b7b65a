import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AnyEvent } from './server-events';

/**
 * `/metrics` in the Prometheus text format, names prefixed `home_arbiter_`. A registry per server (not
 * prom-client's global one), so that two servers in one process (tests) do not share counters.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly decisions = new Counter({ name: 'home_arbiter_decisions_total', help: 'Decision-log events (the engine\'s and the server\'s) by type', labelNames: ['type'], registers: [this.registry] });
  private readonly conflicts = new Counter({ name: 'home_arbiter_conflicts_total', help: 'Conflicts by winner and loser', labelNames: ['winner', 'loser'], registers: [this.registry] });
  private readonly denials = new Counter({ name: 'home_arbiter_denials_total', help: 'Denied commands by reason', labelNames: ['reason'], registers: [this.registry] });
  private readonly alarms = new Counter({ name: 'home_arbiter_alarms_total', help: 'Alarms by kind', labelNames: ['kind'], registers: [this.registry] });
  private readonly authFailures = new Counter({ name: 'home_arbiter_auth_failures_total', help: 'Rejected credentials', labelNames: ['credential', 'reason'], registers: [this.registry] });
  private readonly dispatchLatency = new Histogram({
    name: 'home_arbiter_dispatch_latency_seconds',
    help: 'From dispatch to device confirmation',
    labelNames: ['adapter'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly available = new Gauge({ name: 'home_arbiter_adapter_available', help: '1 when the device answers, 0 when degraded', labelNames: ['actuator', 'adapter'], registers: [this.registry] });
  private readonly adapterOf = new Map<string /* actuator id */, string /* adapter name */>();

  constructor(
    adapters: ReadonlyMap<string /* actuator id */, string>,
    /** The configured credentials: any other id a request names is counted as `unknown`, never as a label of its own. */
    private readonly credentials: ReadonlySet<string>,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'home_arbiter_' });
    for (const [actuator, adapter] of adapters) {
      this.adapterOf.set(actuator, adapter);
      this.available.set({ actuator, adapter }, 1);
    }
  }

  observe(event: AnyEvent): void {
    this.decisions.inc({ type: event.type });
    switch (event.type) {
      case 'conflict':
        this.conflicts.inc({ winner: event.winner, loser: event.loser });
        break;
      case 'denied':
        this.denials.inc({ reason: event.reason });
        break;
      case 'alarm':
        this.alarms.inc({ kind: event.kind });
        break;
      case 'auth-failure':
        // A label per id a request makes up would grow /metrics without bound (8 KB ids, one series each).
        this.authFailures.inc({ credential: this.credentials.has(event.credential) ? event.credential : 'unknown', reason: event.reason });
        break;
      case 'degraded':
      case 'restored':
        if (event.target) this.available.set({ actuator: event.target, adapter: this.adapterOf.get(event.target) ?? 'none' }, event.type === 'restored' ? 1 : 0);
        break;
    }
  }

  dispatched(actuator: string, seconds: number): void {
    this.dispatchLatency.observe({ adapter: this.adapterOf.get(actuator) ?? 'none' }, seconds);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
