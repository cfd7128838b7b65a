import { strict as assert } from 'node:assert';
import { appendFileSync } from 'node:fs';
import type { EdgeServer } from '../../server/edge-server';
import { call, TempHome, waitFor } from './server-fixture';

interface SystemRow {
  id: string;
  lastCommand: { target: string; state: unknown; outcome: string; reason?: string; wall: number } | null;
}

describe('server/last-commands: every system\'s last command, whoever carried it', () => {
  let home: TempHome;
  let server: EdgeServer;

  afterEach(async () => {
    await server?.stop();
    home.remove();
  });

  it('counts commands from a plugin and from the demo driver, not only those over HTTP', async () => {
    home = await new TempHome().withSecrets();
    const vent = home.plugin('vent', { 'index.js': "exports.start = async ({ system }) => { await system.command('living.window', 'open'); };\n" });
    appendFileSync(
      home.configFile,
      `plugins:\n  - { module: ${vent.module}, sha256: ${vent.sha256}, system: comfort-vent }\ndemo:\n  - { system: security, target: front.lock, states: [locked], every: 1h }\n`,
    );
    const started = Date.now();
    server = await home.startServer();
    const systems = await waitFor('both commands', async () => {
      const rows: SystemRow[] = (await call(server.url, 'GET', '/api/systems')).body;
      return rows.every((s) => s.lastCommand) ? rows : undefined;
    });
    const last = (id: string) => {
      const { wall, ...rest } = systems.find((s) => s.id === id)!.lastCommand!;
      assert.ok(wall >= started && wall <= Date.now(), `${id}: wall ${wall}`);
      return rest;
    };
    assert.deepEqual(last('comfort-vent'), { target: 'living.window', state: 'open', outcome: 'accepted' });
    assert.deepEqual(last('security'), { target: 'front.lock', state: 'locked', outcome: 'accepted' });
  });

  it('says deferred and denied, with the reason of a denial', async () => {
    home = await new TempHome().withSecrets();
    server = await home.startServer();
    const command = (system: string, target: string, state: string) =>
      call(server.url, 'POST', `/api/systems/${system}/commands`, { token: home.tokens.systems[system], body: { target, state } });
    await command('security', 'living.window', 'closed');
    await command('comfort-vent', 'living.window', 'open');
    await command('security', 'hall.light', 'bright');
    const rows: SystemRow[] = (await call(server.url, 'GET', '/api/systems')).body;
    const last = (id: string) => {
      const { wall: _wall, ...rest } = rows.find((s) => s.id === id)!.lastCommand!;
      return rest;
    };
    assert.deepEqual(last('comfort-vent'), { target: 'living.window', state: 'open', outcome: 'deferred' });
    assert.deepEqual(last('security'), { target: 'hall.light', state: 'bright', outcome: 'denied', reason: 'invalid-state' });
  });
});
