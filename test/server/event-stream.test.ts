import { strict as assert } from 'node:assert';
import type { EdgeServer } from '../../server/edge-server';
import { call, TempHome } from './server-fixture';

interface SseMessage {
  readonly id: number;
  readonly event: string;
  readonly data: Record<string, unknown>;
}

/** Reads a text/event-stream response until `enough` says so (or fails after 5 s naming what was seen). */
async function readStream(res: Response, enough: (messages: SseMessage[]) => boolean): Promise<SseMessage[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const messages: SseMessage[] = [];
  let buffer = '';
  const timeout = setTimeout(() => void reader.cancel(), 5000);
  try {
    while (!enough(messages)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended before the expected events; got ${messages.map((m) => m.event).join(', ')}`);
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':') && l.includes(': ')).map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]));
        if (fields.data) messages.push({ id: Number(fields.id), event: fields.event, data: JSON.parse(fields.data) });
      }
    }
    return messages;
  } finally {
    clearTimeout(timeout);
    await reader.cancel();
  }
}

describe('server/event-stream: GET /api/events as Server-Sent Events', () => {
  let home: TempHome;
  let server: EdgeServer;

  beforeEach(async () => {
    home = await new TempHome().withSecrets();
    server = await home.startServer();
  });

  afterEach(async () => {
    await server.stop();
    home.remove();
  });

  it('streams a conflict live, with the log sequence number as the event id and both clocks', async () => {
    const res = await fetch(`${server.url}/api/events`, { headers: { accept: 'text/event-stream' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^text\/event-stream/);
    const reading = readStream(res, (m) => m.some((e) => e.event === 'conflict'));
    await call(server.url, 'POST', '/api/systems/comfort-vent/commands', { token: home.tokens.systems['comfort-vent'], body: { target: 'living.window', state: 'open' } });
    await call(server.url, 'POST', '/api/systems/security/commands', { token: home.tokens.systems.security, body: { target: 'living.window', state: 'closed' } });
    const messages = await reading;
    const conflict = messages.find((m) => m.event === 'conflict')!;
    assert.deepEqual(
      { target: conflict.data.target, winner: conflict.data.winner, loser: conflict.data.loser, resolution: conflict.data.resolution },
      { target: 'living.window', winner: 'security', loser: 'comfort-vent', resolution: 'priority' },
    );
    assert.equal(conflict.id, conflict.data.seq);
    assert.equal(typeof conflict.data.wall, 'number');
    assert.equal(typeof conflict.data.mono, 'number');
    const ids = messages.map((m) => m.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'ids increase');
  });

  it('replays history from the log after ?since= before going live', async () => {
    await call(server.url, 'POST', '/api/systems/security/commands', { token: home.tokens.systems.security, body: { target: 'front.lock', state: 'locked' } });
    const history = await call(server.url, 'GET', '/api/events?since=0');
    const claimed = history.body.find((e: { event: { type: string } }) => e.event.type === 'claimed');
    assert.equal(claimed.event.target, 'front.lock');
    const res = await fetch(`${server.url}/api/events?since=${claimed.seq - 1}`, { headers: { accept: 'text/event-stream' } });
    const messages = await readStream(res, (m) => m.some((e) => e.event === 'dispatched'));
    assert.equal(messages[0].id, claimed.seq);
    assert.equal(messages[0].event, 'claimed');
    assert.equal(messages.find((m) => m.event === 'dispatched')!.data.target, 'front.lock');
  });

  it('answers a since that is neither a number nor a time 400 naming it', async () => {
    const answer = await call(server.url, 'GET', '/api/events?since=yesterday');
    assert.equal(answer.status, 400);
    assert.equal(answer.body.field, 'since');
  });
});
