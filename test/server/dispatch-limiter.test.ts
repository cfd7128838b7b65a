import { strict as assert } from 'node:assert';
import { DispatchLimiter } from '../../server/dispatch-limiter';

/** A device port whose commands stay pending until the test confirms them. */
function slowDevices() {
  const pending: { target: string; confirm: () => void; fail: (err: Error) => void }[] = [];
  return {
    pending,
    port: {
      apply: (target: string) =>
        new Promise<void>((confirm, fail) => {
          pending.push({ target, confirm, fail });
        }),
    },
  };
}

describe('server/dispatch-limiter: reconciliation in batches', () => {
  it('holds dispatches until opened, then lets out at most maxInFlight at a time', async () => {
    const devices = slowDevices();
    const confirmed: string[] = [];
    const limiter = new DispatchLimiter(devices.port, 3, (target) => confirmed.push(target));
    const results = Array.from({ length: 7 }, (_, i) => limiter.apply(`a${i}`, 'on'));
    await Promise.resolve();
    assert.equal(devices.pending.length, 0, 'nothing reaches the devices before open()');
    limiter.open();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(devices.pending.map((p) => p.target), ['a0', 'a1', 'a2']);
    devices.pending[0].confirm();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(devices.pending.map((p) => p.target), ['a0', 'a1', 'a2', 'a3']);
    devices.pending[1].fail(new Error('no answer'));
    await assert.rejects(results[1] as Promise<void>, /no answer/);
    await new Promise((r) => setImmediate(r));
    assert.equal(devices.pending.length, 5, 'a failure frees its slot too');
    for (let i = 2; i < 7; i++) {
      while (devices.pending.length <= i) await new Promise((r) => setImmediate(r));
      devices.pending[i].confirm();
    }
    await Promise.all(results.filter((_, i) => i !== 1));
    assert.deepEqual(confirmed, ['a0', 'a2', 'a3', 'a4', 'a5', 'a6']);
  });

  it('passes a synchronous confirmation through once open', () => {
    const limiter = new DispatchLimiter({ apply: () => undefined }, 2, () => undefined);
    limiter.open();
    assert.equal(limiter.apply('logical', 'on'), undefined);
  });
});
