import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { diagnoseConfig } from '../../server/doctor';
import { loadSecrets } from '../../server/secrets';
import { serverConfigFrom } from '../../server/server-config';
import { TempHome } from './server-fixture';
import { cli } from './server-process';

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
    const home = await new TempHome().withSecrets();
    try {
      const run = cli(['doctor', '--config', home.configFile]);
      assert.equal(run.status, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /0 error\(s\), 0 warning\(s\)/);
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
});
