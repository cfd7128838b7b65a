import { strict as assert } from 'node:assert';
import type { EdgeServer } from '../../server/edge-server';
import { call, TempHome, waitFor } from './server-fixture';

interface Alarm {
  id: number;
  wall: number;
  alarm: { kind: string; target?: string; system?: string };
}

describe('server/active-alarms: alarms stay until the operator acknowledges them', () => {
  let home: TempHome;
  let server: EdgeServer;

  const alarms = async (): Promise<Alarm[]> => (await call(server.url, 'GET', '/api/status')).body.alarms;
  const acknowledge = (id: number | string, token?: string) => call(server.url, 'POST', `/api/alarms/${id}/acknowledge`, { token });

  beforeEach(async () => {
    home = await new TempHome().withSecrets();
    server = await home.startServer();
    const command = (system: string, target: string, state: string) =>
      call(server.url, 'POST', `/api/systems/${system}/commands`, { token: home.tokens.systems[system], body: { target, state } });
    // Three conflicts between comfort-vent and security within a minute; five unauthorized commands.
    await command('comfort-vent', 'living.window', 'open');
    await command('security', 'living.window', 'closed');
    await command('comfort-vent', 'living.window', 'open');
    await command('comfort-vent', 'living.window', 'open');
    for (let i = 0; i < 5; i++) await command('comfort-vent', 'front.lock', 'unlocked');
    await waitFor('two alarms', async () => ((await alarms()).length === 2 ? true : undefined));
  });

  afterEach(async () => {
    await server.stop();
    home.remove();
  });

  it('lists active alarms newest first, with their place in the decision log', async () => {
    const [quarantine, persistent] = await alarms();
    assert.deepEqual(quarantine!.alarm, { ...quarantine!.alarm, kind: 'quarantine', system: 'comfort-vent' });
    assert.deepEqual(persistent!.alarm, { ...persistent!.alarm, kind: 'persistent-conflict', target: 'living.window', systems: ['comfort-vent', 'security'] });
    const logged = (await call(server.url, 'GET', `/api/events?since=${persistent!.id - 1}&limit=1`)).body[0];
    assert.deepEqual([logged.seq, logged.event.type, logged.event.kind], [persistent!.id, 'alarm', 'persistent-conflict']);
  });

  it('acknowledges with the operator token only, once, and logs the acknowledgement', async () => {
    const [, persistent] = await alarms();
    assert.equal((await acknowledge(persistent!.id)).status, 401);
    assert.equal((await acknowledge(persistent!.id, home.tokens.systems.security)).status, 401);
    const unknown = await acknowledge('abc', home.tokens.operator);
    assert.deepEqual([unknown.status, unknown.body.field], [404, 'id']);
    const done = await acknowledge(persistent!.id, home.tokens.operator);
    assert.deepEqual([done.status, done.body], [200, { acknowledged: persistent!.id, kind: 'persistent-conflict' }]);
    assert.equal((await acknowledge(persistent!.id, home.tokens.operator)).status, 404, 'not twice');
    assert.deepEqual((await alarms()).map((a) => a.alarm.kind), ['quarantine']);
    const events = (await call(server.url, 'GET', '/api/events?since=0&limit=10000')).body.map((e: { event: Record<string, unknown> }) => e.event);
    const logged = events.filter((e: { type: string }) => e.type === 'alarm-acknowledged');
    assert.deepEqual(logged.map(({ at: _at, ...e }: { at: number }) => e), [{ type: 'alarm-acknowledged', alarm: persistent!.id, kind: 'persistent-conflict', target: 'living.window' }]);
  });

  it('keeps what was acknowledged acknowledged after a restart, and the rest active', async () => {
    const [quarantine, persistent] = await alarms();
    await acknowledge(persistent!.id, home.tokens.operator);
    await server.stop();
    server = await home.startServer();
    assert.deepEqual((await alarms()).map((a) => a.id), [quarantine!.id]);
  });
});
