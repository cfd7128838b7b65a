import { strict as assert } from 'node:assert';
import { appendFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { networkConfinement } from '../../server/network-confinement';
import { call, homePerTest, LIFE_HOME_YAML, TempHome, waitFor } from './server-fixture';

const VENT = `
const { interval } = require('./interval');
exports.start = async ({ system, options, fact }) => {
  await system.command('living.window', options.state, { ttl: interval });
  // Outside its declared rights: comfort ventilation may command windows only.
  await system.command('front.lock', 'unlocked');
  console.log('smoke is ' + fact('smoke'));
  return () => console.log('vent stopped');
};
`;

/**
 * Everything the in-process plugin of issue 10 could reach, tried from inside an allow-listed comfort plugin:
 * the engine through Node's module cache (to command the front lock as the fire system), the secrets, the store,
 * the environment, a shell, and a request to the server as another system over its own channel.
 */
const ESCAPE = `
const fs = require('node:fs');
const report = (what, attempt) => {
  try {
    console.log('escape ' + what + ': got ' + String(attempt()).slice(0, 60));
  } catch (err) {
    console.log('escape ' + what + ': refused ' + (err.code || err.message));
  }
};
exports.start = async ({ system, options }) => {
  report('module cache', () => {
    const engine = Object.values(require.cache).find((m) => m && m.exports && m.exports.Arbiter);
    if (!engine) throw new Error('no engine');
    const { prototype } = engine.exports.Arbiter;
    const command = prototype.command;
    prototype.command = function (input) {
      prototype.command = command;
      void command.call(this, { system: 'disaster', target: 'front.lock', state: 'unlocked', category: 'life' });
      return command.call(this, input);
    };
    return 'the engine';
  });
  report('secrets', () => fs.readFileSync(options.secrets, 'utf8'));
  report('store', () => fs.readFileSync(options.store).length);
  report('write', () => fs.writeFileSync(options.store + '.evil', 'x'));
  report('environment', () => {
    const names = Object.keys(process.env);
    if (names.length === 0) throw new Error('empty');
    return names.join(',');
  });
  report('shell', () => require('node:child_process').execSync('id'));
  report('server modules', () => require(options.engine));
  await system.command('living.window', 'open');
};
`;

/** Connects to a TCP port on this machine, as a plugin would to the devices' MQTT broker, and says how it went. */
const DIAL = `
exports.start = ({ options }) => {
  const socket = require('node:net').connect(options.port, '127.0.0.1');
  socket.on('connect', () => {
    console.log('dial: connected');
    socket.end('publish zigbee2mqtt/front.lock/set unlocked');
  });
  socket.on('error', (err) => console.log('dial: failed ' + err.code));
};
`;

/** Issue 10, item 6, against a real `serve` process: plugins pinned by their whole folder, each in its own process. */
describe('server/plugins: control systems from allow-listed plugin folders (a real serve process)', () => {
  const served = homePerTest(() => new TempHome(LIFE_HOME_YAML.replace('reads: operator,', '')).withSecrets());

  const plugin = (name: string, files: Record<string, string>) => served.home.plugin(name, files);

  const serve = async () => {
    const p = served.serve();
    return { p, base: await p.url };
  };
  const events = async (base: string) => (await call(base, 'GET', '/api/events?since=0&limit=10000')).body.map((e: { event: Record<string, unknown> }) => e.event);

  it('runs a plugin whose folder matches its pin with only its system\'s rights, and refuses one that does not', async () => {
    const vent = plugin('vent', { 'index.js': VENT, 'interval.js': 'exports.interval = 600000;\n' });
    const other = plugin('other', { 'index.js': VENT, 'interval.js': 'exports.interval = 600000;\n' });
    appendFileSync(
      served.home.configFile,
      `plugins:
  - { module: ${vent.module}, sha256: ${vent.sha256}, system: comfort-vent, options: { state: open } }
  - { module: ${other.module}, sha256: ${'f'.repeat(64)}, system: security }
`,
    );
    const { p, base } = await serve();
    const window = await waitFor('the plugin\'s claim', async () => {
      const a = (await call(base, 'GET', '/api/actuators/living.window')).body;
      return a.claims.length > 0 ? a : undefined;
    });
    assert.deepEqual(window.claims.map((c: { claimant: string; state: string }) => [c.claimant, c.state]), [['comfort-vent', 'open']]);
    assert.equal(window.claims[0].expiresAt - window.claims[0].since, 600_000, 'the module it requires was loaded');
    const logged = await waitFor('the denial', async () => {
      const all = await events(base);
      return all.some((e: Record<string, unknown>) => e.type === 'denied') ? all : undefined;
    });
    assert.ok(logged.some((e: Record<string, unknown>) => e.type === 'denied' && e.system === 'comfort-vent' && e.target === 'front.lock' && e.reason === 'unauthorized'));
    assert.ok(logged.some((e: Record<string, unknown>) => e.type === 'plugin-loaded' && e.system === 'comfort-vent'));
    const refused = logged.find((e: Record<string, unknown>) => e.type === 'plugin-refused');
    assert.match(String(refused.reason), /sha256 of the folder \S+other is [0-9a-f]{64}, not the allow-listed f{64}/);
    assert.deepEqual((await call(base, 'GET', '/api/status')).body.plugins.map((s: { loaded: boolean }) => s.loaded), [true, false]);
    assert.match(p.stderr, /plugin comfort-vent: smoke is false/);
    await p.terminate();
    assert.match(p.stderr, /plugin comfort-vent: vent stopped/, 'the plugin\'s stop function ran');
  });

  it('refuses a plugin once any file of its folder changed, not only its entry', async () => {
    const vent = plugin('vent', { 'index.js': VENT, 'interval.js': 'exports.interval = 600000;\n' });
    appendFileSync(served.home.configFile, `plugins:\n  - { module: ${vent.module}, sha256: ${vent.sha256}, system: comfort-vent, options: { state: open } }\n`);
    writeFileSync(join(vent.folder, 'interval.js'), "require('node:fs');\nexports.interval = 1;\n");
    const { base } = await serve();
    const refused = (await events(base)).find((e: Record<string, unknown>) => e.type === 'plugin-refused');
    assert.match(String(refused?.reason), /sha256 of the folder .* is [0-9a-f]{64}, not the allow-listed/);
    assert.deepEqual((await call(base, 'GET', '/api/actuators/living.window')).body.claims, [], 'no code of the changed folder ran');
  });

  it('confines an allow-listed plugin: no engine, secrets, store, environment or shell, so it cannot act as the fire system', async () => {
    const escape = plugin('escape', { 'index.js': ESCAPE });
    const options = { secrets: join(served.home.dir, 'secrets/home.json'), store: join(served.home.dir, 'home.sqlite'), engine: join(__dirname, '../../engine/arbiter.js') };
    appendFileSync(served.home.configFile, `plugins:\n  - { module: ${escape.module}, sha256: ${escape.sha256}, system: comfort-vent, options: ${JSON.stringify(options)} }\n`);
    const { p, base } = await serve();
    await waitFor('the plugin\'s window claim', async () => ((await call(base, 'GET', '/api/actuators/living.window')).body.claims.length > 0 ? true : undefined));
    const lock = (await call(base, 'GET', '/api/actuators/front.lock')).body;
    assert.deepEqual(lock.claims, [], 'nobody claimed the front lock');
    assert.equal(lock.desired, 'unlocked', 'its initial state, not a command');
    for (const what of ['module cache', 'secrets', 'store', 'write', 'environment', 'shell', 'server modules']) {
      assert.match(p.stderr, new RegExp(`plugin comfort-vent: escape ${what}: refused`), `${what}:\n${p.stderr}`);
    }
  });

  it('keeps a plugin off the network unless its entry allows it, and says so where the machine cannot', async () => {
    // A broker stand-in on the loopback, where plugins and devices' brokers share the machine.
    const received: string[] = [];
    const broker = createServer((socket: Socket) => socket.on('data', (data) => received.push(String(data))));
    await new Promise<void>((resolve) => broker.listen(0, '127.0.0.1', resolve));
    try {
      const port = (broker.address() as AddressInfo).port;
      const dial = plugin('dial', { 'index.js': DIAL });
      appendFileSync(
        served.home.configFile,
        `plugins:
  - { module: ${dial.module}, sha256: ${dial.sha256}, system: comfort-vent, options: { port: ${port} } }
  - { module: ${dial.module}, sha256: ${dial.sha256}, system: security, options: { port: ${port} }, network: true }
`,
      );
      const { p, base } = await serve();
      await waitFor('both plugins to dial', async () => (p.stderr.match(/dial: (connected|failed)/g)?.length === 2 ? true : undefined));
      const status = (await call(base, 'GET', '/api/status')).body;
      assert.match(p.stderr, /plugin security: dial: connected/, 'an entry with network: true keeps the network');
      const confinement = networkConfinement();
      if ('prefix' in confinement) {
        assert.match(p.stderr, /plugin comfort-vent: dial: failed E[A-Z]+/);
        await waitFor('what the allowed plugin sent', async () => (received.length > 0 ? true : undefined));
        assert.equal(received.length, 1, 'only the plugin allowed the network reached the broker');
        assert.deepEqual(status.plugins.map((s: { network: boolean }) => s.network), [false, true]);
      } else {
        // This machine cannot take the network away (no unshare, no user namespaces): the plugin runs, and says so.
        assert.match(p.stderr, new RegExp(`plugin comfort-vent: runs with the network open, this machine cannot take it away`));
        assert.deepEqual(status.plugins.map((s: { network: boolean }) => s.network), [true, true]);
        console.log(`      (this machine cannot confine a plugin's network: ${confinement.unavailable})`);
      }
    } finally {
      broker.close();
    }
  });

  it('carries on when a plugin crashes or breaks the protocol, and says so', async () => {
    const crash = plugin('crash', { 'index.js': "exports.start = () => { setTimeout(() => { throw new Error('plugin bug'); }, 100); };\n" });
    const forge = plugin('forge', {
      // Straight onto the channel's file descriptor, past the runner: a command that names another system.
      'index.js': `exports.start = () => {
  const line = JSON.stringify({ type: 'command', id: 1, system: 'disaster', target: 'front.lock', state: 'unlocked' }) + '\\n';
  setTimeout(() => require('node:fs').writeSync(3, line), 100);
};
`,
    });
    appendFileSync(
      served.home.configFile,
      `plugins:
  - { module: ${crash.module}, sha256: ${crash.sha256}, system: comfort-vent }
  - { module: ${forge.module}, sha256: ${forge.sha256}, system: security }
`,
    );
    const { base } = await serve();
    const ended = await waitFor('both plugins to end', async () => {
      const found = (await events(base)).filter((e: Record<string, unknown>) => e.type === 'plugin-ended');
      return found.length === 2 ? found : undefined;
    });
    const reasons = Object.fromEntries(ended.map((e: Record<string, unknown>) => [e.system, e.reason]));
    assert.match(reasons['comfort-vent'], /exited with code 1/);
    assert.match(reasons.security, /sent a message the server does not take/);
    assert.deepEqual((await call(base, 'GET', '/api/actuators/front.lock')).body.claims, []);
    const status = (await call(base, 'GET', '/api/status')).body;
    assert.deepEqual(status.plugins.map((s: { loaded: boolean }) => s.loaded), [false, false]);
    const command = await call(base, 'POST', '/api/systems/disaster/commands', { token: served.home.tokens.systems.disaster, body: { target: 'front.lock', state: 'locked' } });
    assert.equal(command.status, 200, 'the server carries on');
  });
});
