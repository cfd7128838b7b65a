import { strict as assert } from 'node:assert';
import { appendFileSync, chmodSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diagnoseConfig } from '../../server/doctor';
import { loadSecrets } from '../../server/secrets';
import type { NetworkConfinement } from '../../server/network-confinement';
import { loadServerConfig, serverConfigFrom } from '../../server/server-config';
import { HOME_YAML, TempHome } from './server-fixture';
import { cli } from './server-process';

/** The test home with a person's change by hand beating the automation on each actuator: nothing for check to warn. */
const CAREFUL_YAML = HOME_YAML.replace('safe: closed,', 'safe: closed, manual: { category: property },')
  .replace('safe: locked,', 'safe: locked, manual: { category: life },')
  .replace('initial: off,', 'initial: off, manual: { category: property },');

const UNSAFE = {
  server: { host: '0.0.0.0' },
  store: { file: 'memory' },
  actuators: [{ id: 'front.lock', kind: 'lock', device: { adapter: 'carrier-pigeon', address: 'coop' } }],
  systems: [{ id: 'fire', category: 'life' }],
};

describe('server/doctor: the settings check', () => {
  it('reports each unsafe setting with its fix', async () => {
    const config = serverConfigFrom(UNSAFE, '/nowhere/home.yaml');
    const findings = diagnoseConfig(config, await loadSecrets(config.secretsFile, ['fire']));
    const summary = findings.map((f) => `${f.level} ${f.subject}`);
    assert.deepEqual(summary, [
      'error operator',
      'error system:fire',
      'warning system:fire',
      'warning system:fire',
      'error store',
      'error server',
      'warning auth',
      'error actuator:front.lock',
    ]);
    assert.match(findings[0].fix, /run `home-arbiter serve` once/);
    assert.match(findings[2].problem, /no target restriction/);
    assert.match(findings[3].problem, /life category/);
    assert.match(findings[5].problem, /listens on 0\.0\.0\.0 without TLS/);
    for (const f of findings) assert.ok(f.fix.length > 0, `${f.subject} has a fix`);
  });

  it('finds nothing to fix in a careful home', async () => {
    const home = await new TempHome(CAREFUL_YAML).withSecrets();
    try {
      // A careful user hands each system its token, then deletes the first run's tokens file.
      unlinkSync(join(home.dir, 'secrets/home.tokens.json'));
      const run = cli(['doctor', '--config', home.configFile]);
      assert.equal(run.status, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /0 error\(s\), 0 warning\(s\)/);
    } finally {
      home.remove();
    }
  });

  it('includes the static check\'s errors and warnings, each with its fix', async () => {
    const loop = `
  - name: vent-follows-fan
    conditions: { all: [ { fact: "actuator:hall.light", operator: equal, value: "off" } ] }
    event: { type: assert, params: { target: living.window, state: open, category: comfort } }
  - name: light-against-vent
    conditions: { all: [ { fact: "actuator:living.window", operator: equal, value: open } ] }
    event: { type: assert, params: { target: hall.light, state: "on", category: comfort } }
`;
    const home = await new TempHome(HOME_YAML.replace('initial: off,', 'initial: off, default: "off",').replace('initial: closed,', 'initial: closed, default: closed,') + loop).withSecrets();
    try {
      const run = cli(['doctor', '--config', home.configFile]);
      assert.equal(run.status, 1, run.stdout + run.stderr);
      assert.match(run.stdout, /ERROR {3}check:loop: rules light-against-vent and vent-follows-fan chase each other through actuator:hall\.light and actuator:living\.window[^\n]*\n {8}fix: make the rules exclude each other/);
      assert.match(run.stdout, /WARNING check:manual-overridden: a person's change by hand on front\.lock is recorded at comfort, below security \(property\) and policy:fire-evacuation/);
      assert.doesNotMatch(run.stdout, /check:conflict/, 'the conflict map is information, not a problem');
    } finally {
      home.remove();
    }
  });

  it("warns of a plugin that may open sockets, and of one this machine cannot keep off the network", async () => {
    const home = await new TempHome(CAREFUL_YAML).withSecrets();
    try {
      const vent = home.plugin('vent', { 'index.js': 'exports.start = () => {};\n' });
      appendFileSync(
        home.configFile,
        `plugins:\n  - { module: ${vent.module}, sha256: ${vent.sha256}, system: comfort-vent }\n  - { module: ${vent.module}, sha256: ${vent.sha256}, system: security, network: true }\n`,
      );
      const config = loadServerConfig(home.configFile);
      const secrets = await loadSecrets(config.secretsFile, ['comfort-vent', 'security']);
      const pluginFindings = (confinement: NetworkConfinement) => diagnoseConfig(config, secrets, [], confinement).filter((f) => f.subject.startsWith('plugins'));
      assert.deepEqual(pluginFindings({ prefix: ['/usr/bin/unshare', '--net', '--'] }).map((f) => [f.subject, f.problem.split(':')[0]]), [['plugins[1]', 'may open sockets (network']]);
      const unconfined = pluginFindings({ unavailable: 'util-linux\'s unshare is not installed' });
      assert.deepEqual(unconfined.map((f) => f.subject), ['plugins[0]', 'plugins[1]']);
      assert.match(unconfined[0].problem, /will run with the network open, this machine cannot take it away \(util-linux's unshare is not installed\)/);
      assert.match(unconfined[0].fix, /unshare/);
    } finally {
      home.remove();
    }
  });

  it('exits 1 when there are errors', () => {
    const home = new TempHome();
    try {
      writeFileSync(home.configFile, JSON.stringify(UNSAFE));
      const run = cli(['doctor', '--config', home.configFile]);
      assert.equal(run.status, 1);
      assert.match(run.stdout, /ERROR {3}server: listens on 0\.0\.0\.0 without TLS[^\n]*\n {8}fix: set server\.tls/);
    } finally {
      home.remove();
    }
  });
  it('names a tokens file left beside the hashes, a folder others can write and a file it cannot parse, each with its own fix', async () => {
    const home = await new TempHome().withSecrets();
    try {
      const folder = join(home.dir, 'secrets');
      chmodSync(folder, 0o777);
      let run = cli(['doctor', '--config', home.configFile]);
      assert.equal(run.status, 1, run.stdout + run.stderr);
      assert.match(run.stdout, /WARNING secrets: the clear-text tokens of the first run are still in \S+home\.tokens\.json[^\n]*\n {8}fix: give each system its own token, then delete/);
      assert.match(run.stdout, /ERROR {3}secrets: \S+secrets is writable by other users[^\n]*\n {8}fix: chmod 700 /);
      chmodSync(folder, 0o700);
      unlinkSync(join(folder, 'home.tokens.json'));
      writeFileSync(join(folder, 'home.json'), '{"operator": {"hash": ', { mode: 0o600 });
      run = cli(['doctor', '--config', home.configFile]);
      assert.equal(run.status, 1);
      assert.match(run.stdout, /ERROR {3}secrets: \S+home\.json: [^\n]*JSON[^\n]*\n {8}fix: repair \S+ from a backup, or move it away/);
      assert.doesNotMatch(run.stdout, /chmod|tokens/);
    } finally {
      home.remove();
    }
  });
});
