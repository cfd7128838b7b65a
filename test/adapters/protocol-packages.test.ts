import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PROTOCOL_PACKAGES } from '../../adapters/protocol-packages';

const ROOT = resolve(__dirname, '../../..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const BIN = join(ROOT, 'bin', 'home-arbiter.js');
const HIDE = join(__dirname, 'support', 'hide-packages.js');

describe('adapters: the protocol libraries are optional', () => {
  it('declares each library an adapter needs as an optional peer with the range the adapter asks for, and nothing more', () => {
    const wanted: Record<string, string> = Object.assign({}, ...Object.values(PROTOCOL_PACKAGES));
    assert.deepEqual(manifest.peerDependencies, wanted);
    for (const name of Object.keys(wanted)) {
      assert.deepEqual(manifest.peerDependenciesMeta[name], { optional: true }, name);
      assert.equal(manifest.dependencies[name], undefined, `${name} is not installed with home-arbiter`);
      assert.equal(manifest.devDependencies[name], wanted[name], `${name}: the tests run against the declared range`);
    }
  });

  for (const [adapter, packages] of Object.entries(PROTOCOL_PACKAGES)) {
    it(`names what to install when the ${adapter} adapter's libraries are missing (serve, in a process without them)`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'home-arbiter-packages-'));
      try {
        const address = adapter === 'echonet-lite' ? '192.0.2.10/026001' : adapter === 'zigbee-herdsman' ? '0x00124b0000000001' : 'front door';
        writeFileSync(join(dir, 'home.yaml'), `store: { file: memory }\nactuators:\n  - { id: front.lock, kind: lock, device: { adapter: ${adapter}, address: "${address}" } }\n`);
        const names = Object.keys(packages);
        const run = spawnSync(process.execPath, ['-r', HIDE, BIN, 'serve', '--config', join(dir, 'home.yaml'), '--insecure-dev', '--port', '0'], {
          env: { ...process.env, HIDE_PACKAGES: names.join(',') },
          encoding: 'utf8',
          timeout: 30_000,
        });
        assert.equal(run.status, 2, run.stderr);
        const specs = names.map((n) => `${n}@${(packages as Record<string, string>)[n]}`).join(' ');
        assert.match(run.stderr, new RegExp(`adapters\\.${adapter}: the ${adapter} adapter needs the npm packages? ${names.map((n) => `"${n}"`).join(' and ')}, which (is|are) not installed: run \`npm install ${specs.replace(/[.^]/g, '\\$&')}\``));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
