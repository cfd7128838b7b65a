import { strict as assert } from 'node:assert';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DecisionLog } from '../../server/decision-log';
import { call, LIFE_HOME_YAML, servedHome, waitFor } from './server-fixture';

/** A decision log of some weeks: 10,000 entries of about 600 bytes each, 6 MB of history to ask for. */
function fillLog(file: string): void {
  const db = new Database(file);
  const log = new DecisionLog(db, { maxAge: 86_400_000, safetyMaxAge: 86_400_000 });
  for (let i = 0; i < 10_000; i++) log.append({ type: 'adapter-problem', at: i, adapter: 'virtual', message: `${i} ${'x'.repeat(560)}` });
  log.flush();
  db.close();
}

/**
 * Issue 10, item 4, against a real `serve` process: event streams opened by clients that never read, asking for
 * all the history there is, and parameters the server did not expect.
 */
describe('server: the event stream holds against clients that never read (a real serve process)', () => {
  const served = servedHome(LIFE_HOME_YAML, (home) => fillLog(join(home.dir, 'home.sqlite')));
  const sockets: Socket[] = [];

  afterEach(() => {
    for (const s of sockets.splice(0)) s.destroy();
  });

  const operator = () => ({ token: served.home.tokens.operator });
  const streams = async (): Promise<number> => (await call(served.base, 'GET', '/api/status', operator())).body.streams;

  /** A raw SSE request whose answer is never read: the socket is paused as soon as it connects. */
  function stubbornClient(query: string): Promise<Socket> {
    const { port } = new URL(served.base);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: Number(port) }, () => {
        socket.pause();
        socket.write(`GET /api/events${query} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nAuthorization: Bearer ${served.home.tokens.operator}\r\n\r\n`);
        resolve(socket);
      });
      socket.on('error', reject);
      sockets.push(socket);
    });
  }

  it('answers since, Last-Event-ID and limit it cannot use 400, naming the parameter', async () => {
    const cases: [string, Record<string, string>, string][] = [
      ['?since=0&limit=-1', {}, 'limit'],
      ['?since=0&limit=0.5', {}, 'limit'],
      ['?since=0&limit=0', {}, 'limit'],
      ['?since=0&limit=10001', {}, 'limit'],
      ['?since=0&limit=1e3', {}, 'limit'],
      ['?since=-5', {}, 'since'],
      ['?since=1.5', {}, 'since'],
      ['?since=99999999999999999999', {}, 'since'],
      ['', { 'last-event-id': 'yesterday' }, 'Last-Event-ID'],
    ];
    for (const [query, headers, field] of cases) {
      for (const accept of ['application/json', 'text/event-stream']) {
        const answer = await call(served.base, 'GET', `/api/events${query}`, { ...operator(), headers: { ...headers, accept } });
        assert.equal(answer.status, 400, `${query} ${JSON.stringify(headers)} (${accept})`);
        assert.equal(answer.body.field, field, answer.body.error);
        assert.ok(answer.body.error.startsWith(field), answer.body.error);
      }
    }
    assert.equal((await call(served.base, 'GET', '/api/events?since=0&limit=10000', operator())).body.length, 10_000);
  });

  it('drops clients that never read once their unsent backlog passes the bound, history included', async () => {
    for (let i = 0; i < 20; i++) await stubbornClient('?since=0&limit=10000');
    // Nothing else happens on the server meanwhile: the history alone must be enough to drop them.
    await waitFor('the server to drop the 20 clients that never read', async () => ((await streams()) === 0 ? true : undefined), 10_000);
    const reader = await fetch(`${served.base}/api/events?since=10000`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${served.home.tokens.operator}` } });
    assert.equal(reader.status, 200, 'a client that reads is still served');
    await reader.body!.cancel();
  });

  it('refuses a 33rd stream with 503 and takes one again once a stream closes', async () => {
    const open = await streams();
    const clients: Socket[] = [];
    for (let i = open; i < 32; i++) clients.push(await stubbornClient(''));
    await waitFor('32 streams', async () => ((await streams()) === 32 ? true : undefined));
    const refused = await call(served.base, 'GET', '/api/events', { ...operator(), headers: { accept: 'text/event-stream' } });
    assert.equal(refused.status, 503);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    assert.match(refused.body.error, /32 event streams are open/);
    assert.equal((await call(served.base, 'GET', '/api/events?since=0&limit=5', operator())).status, 200, 'the JSON history is not a stream');
    clients[0].destroy();
    await waitFor('a stream to close', async () => ((await streams()) === 31 ? true : undefined));
    const again = await fetch(`${served.base}/api/events`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${served.home.tokens.operator}` } });
    assert.equal(again.status, 200);
    await again.body!.cancel();
  });
});
