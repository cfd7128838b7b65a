import { strict as assert } from 'node:assert';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EdgeServer } from '../../server/edge-server';
import { moduleDigest } from '../../server/plugins';
import { call, TempHome, waitFor } from './server-fixture';

const PLUGIN = `
exports.start = async ({ system, options }) => {
  await system.command('living.window', options.state);
  // Outside its declared rights: comfort ventilation may command windows only.
  await system.command('front.lock', 'unlocked');
  return () => require('node:fs').writeFileSync(require('node:path').join(__dirname, 'stopped'), 'yes');
};
`;

describe('server/plugins: control systems from allow-listed modules', () => {
  let home: TempHome;
  let server: EdgeServer | undefined;

  beforeEach(async () => {
    home = await new TempHome().withSecrets();
    const good = join(home.dir, 'vent.js');
    const evil = join(home.dir, 'evil.js');
    writeFileSync(good, PLUGIN);
    writeFileSync(evil, PLUGIN.replace("options.state", "'open'"));
    appendFileSync(
      home.configFile,
      `plugins:
  - { module: vent.js, sha256: ${moduleDigest(good)}, system: comfort-vent, options: { state: open } }
  - { module: evil.js, sha256: ${moduleDigest(good)}, system: security }
`,
    );
  });

  afterEach(async () => {
    await server?.stop();
    server = undefined;
    home.remove();
  });

  it('runs a module whose sha256 matches with only its system\'s rights, and refuses one that does not', async () => {
    server = await home.startServer();
    const window = await waitFor('the plugin\'s claim', async () => {
      const a = (await call(server!.url, 'GET', '/api/actuators/living.window')).body;
      return a.claims.length > 0 ? a : undefined;
    });
    assert.deepEqual(window.claims.map((c: { claimant: string; state: string }) => [c.claimant, c.state]), [['comfort-vent', 'open']]);
    const events = (await call(server.url, 'GET', '/api/events?since=0')).body.map((e: { event: Record<string, unknown> }) => e.event);
    assert.ok(events.some((e: Record<string, unknown>) => e.type === 'denied' && e.system === 'comfort-vent' && e.target === 'front.lock' && e.reason === 'unauthorized'));
    assert.ok(events.some((e: Record<string, unknown>) => e.type === 'plugin-loaded' && e.system === 'comfort-vent'));
    const refused = events.find((e: Record<string, unknown>) => e.type === 'plugin-refused');
    assert.match(String(refused.module), /evil\.js$/);
    assert.match(String(refused.reason), /sha256 [0-9a-f]{64} does not match the allow-listed/);
    const status = (await call(server.url, 'GET', '/api/status')).body;
    assert.deepEqual(status.plugins.map((p: { loaded: boolean }) => p.loaded), [true, false]);
    await server.stop();
    assert.ok(existsSync(join(home.dir, 'stopped')), 'the plugin\'s stop function ran');
  });
});
