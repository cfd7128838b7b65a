import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { call, servedHome } from './server-fixture';

/** Issue 10, item 8, against a real `serve` process: requests that make up system ids to grow `/metrics`. */
describe('server: /metrics labels only configured ids (a real serve process)', () => {
  const served = servedHome();

  it('counts failures for made-up 8 KB system ids under credential="unknown", one series however many ids', async () => {
    const ids: string[] = [];
    for (let host = 20; host < 28; host++) {
      const from = `127.0.0.${host}`;
      for (let i = 0; i < 3; i++) {
        const id = randomBytes(4096).toString('hex');
        ids.push(id);
        const answer = await call(served.base, 'POST', `/api/systems/${id}/commands`, { token: 'made-up-token-0123456789abcdef', body: { target: 'front.lock', state: 'locked' }, from });
        assert.equal(answer.status, 401);
      }
      assert.equal((await call(served.base, 'POST', `/api/systems/${randomBytes(4096).toString('hex')}/commands`, { from })).status, 401);
    }
    const metrics: string = (await call(served.base, 'GET', '/metrics')).body;
    for (const id of ids) assert.ok(!metrics.includes(id.slice(0, 64)), 'a made-up id is not a label');
    assert.ok(Math.max(...metrics.split('\n').map((l) => l.length)) < 300, 'no series carries a made-up id');
    assert.match(metrics, /home_arbiter_auth_failures_total\{credential="unknown",reason="unknown"\} 24\n/);
    assert.match(metrics, /home_arbiter_auth_failures_total\{credential="unknown",reason="missing"\} 8\n/);
    const failures = (await call(served.base, 'GET', '/api/events?since=0&limit=10000')).body.filter((e: { event: { type: string } }) => e.event.type === 'auth-failure');
    assert.equal(failures.length, 32);
    for (const f of failures) assert.ok(f.event.credential.length <= 81, `the log keeps ${f.event.credential.length} characters of a made-up id`);
  });
});
