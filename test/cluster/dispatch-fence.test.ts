import { strict as assert } from 'node:assert';
import type { KV } from '@nats-io/kv';
import { DeviceError } from '../../adapters/device-adapter';
import type { DevicePort, DispatchContext } from '../../engine/arbiter';
import { DispatchFence } from '../../cluster/dispatch-fence';
import { LeadershipLease, type LeaseChange } from '../../cluster/leadership-lease';
import { NatsLink } from '../../cluster/nats-link';
import { waitFor } from '../server/server-fixture';
import { NatsCluster, natsUnavailable } from './support/nats-cluster';

const FAILOVER_MS = 2_000;

/** A dispatch port that records what reached it. */
class RecordingPort implements DevicePort {
  readonly applied: { target: string; state: unknown; epoch?: number }[] = [];
  apply(target: string, state: unknown, context: DispatchContext = {}): void {
    this.applied.push({ target, state, epoch: context.epoch });
  }
}

describe('cluster: the dispatch fence on a real lease', function () {
  this.timeout(60_000);
  let nats: NatsCluster;
  let link: NatsLink;
  let kv: KV;
  const leases: LeadershipLease[] = [];

  before(async function () {
    if (natsUnavailable()) this.skip();
    nats = await NatsCluster.start(1);
    link = await NatsLink.open(nats.urls, 'test fence');
    kv = await link.bucket('arbiter_lease', 1);
  });

  after(async () => {
    for (const l of leases) l.stop();
    await link?.close();
    await nats?.stop();
  });

  /** A lease whose monotonic clock the test moves; it renews through the real bucket. */
  function lease(node: string): { lease: LeadershipLease; clock: { ms: number }; changes: LeaseChange[] } {
    const clock = { ms: 0 };
    const l = new LeadershipLease(kv, 'h1.lease', node, FAILOVER_MS, () => clock.ms);
    const changes: LeaseChange[] = [];
    l.changes$.subscribe((c) => changes.push(c));
    leases.push(l);
    l.start();
    return { lease: l, clock, changes };
  }

  it('passes the epoch while the lease is valid, and refuses at once, before any renewal fails, once it is not', async () => {
    const a = lease('a');
    await waitFor('a to take the lease', () => (a.changes.some((c) => c.role === 'active') ? true : undefined));
    const port = new RecordingPort();
    const fence = new DispatchFence(port, () => a.lease.validEpoch());
    await fence.apply('hall.light', 'on');
    assert.deepEqual(port.applied, [{ target: 'hall.light', state: 'on', epoch: 1 }]);

    // The process was paused (or its renewals got nowhere) for longer than the holder may trust its lease: the
    // next dispatch is refused synchronously, before any timer or renewal of the lease has run.
    a.clock.ms += FAILOVER_MS - Math.min(1_000, FAILOVER_MS / 5);
    await assert.rejects(async () => fence.apply('hall.light', 'off'), (err: unknown) => err instanceof DeviceError && err.code === 'OFFLINE' && /fenced/.test(err.message));
    assert.equal(port.applied.length, 1, 'nothing reached the device');
    assert.equal(fence.refused, 1);
    assert.equal(a.changes.at(-1)?.role, 'standby');

    // Another node takes the lapsed lease with the next epoch; the old holder's fence stays shut.
    const b = lease('b');
    await waitFor('b to take the lease', () => {
      b.clock.ms += 50; // b's time passes; a's stands still, so it renews nothing
      return b.changes.some((c) => c.role === 'active') ? true : undefined;
    }, 20_000);
    assert.equal(b.changes.find((c) => c.role === 'active')?.epoch, 2);
    await assert.rejects(async () => fence.apply('hall.light', 'off'));
    assert.equal(port.applied.length, 1);
  });
});
