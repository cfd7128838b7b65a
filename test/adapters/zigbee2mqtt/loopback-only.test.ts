import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { isLoopback } from './support/loopback-only';

/** Run in a network namespace of its own, with no interface up: were the guard to let something through, no packet could leave. */
const PROBE = `
const { loopbackOnly } = require(${JSON.stringify(join(__dirname, 'support/loopback-only.js'))});
const refused = [];
loopbackOnly((what) => refused.push(what));
const net = require('node:net'), dns = require('node:dns'), dgram = require('node:dgram');
const errors = {};
const done = () => Object.keys(errors).length === 5 && console.log(JSON.stringify({ refused: refused.sort(), errors }));
const note = (what) => (err) => { errors[what] = err ? err.code : 'none'; done(); };
net.connect(1883, '192.0.2.1').on('error', note('net.connect'));
new net.Socket().connect({ host: '192.0.2.2', port: 80 }).on('error', note('socket.connect'));
require('node:http').get('http://192.0.2.3/').on('error', note('http'));
dns.lookup('example.org', note('dns'));
try { dgram.createSocket('udp4').send('x', 3610, '224.0.23.0'); note('udp')(); } catch (err) { note('udp')(err); }
`;

describe('the test bridge\'s loopback guard (test/adapters/zigbee2mqtt/support/loopback-only.ts)', () => {
  it('tells loopback from every other address', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', 'localhost', undefined]) assert.ok(isLoopback(host), String(host));
    for (const host of ['192.168.1.20', '10.0.0.1', '224.0.23.0', '::ffff:10.0.0.1', 'fe80::1', 'example.org']) assert.ok(!isLoopback(host), host);
  });

  it('refuses TCP (net, a socket, http), UDP and DNS beyond loopback before anything is sent', function () {
    if (process.getuid?.() !== 0 || spawnSync('unshare', ['--version']).error) {
      console.log('    (not run: it needs root and util-linux unshare for a network namespace with no interface)');
      this.skip();
    }
    const probe = spawnSync('unshare', ['-n', process.execPath, '-e', PROBE], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(probe.status, 0, probe.stderr);
    const { refused, errors } = JSON.parse(probe.stdout) as { refused: string[]; errors: Record<string, string> };
    assert.deepEqual(errors, { 'net.connect': 'EACCES', 'socket.connect': 'EACCES', http: 'EACCES', dns: 'EACCES', udp: 'EACCES' });
    assert.deepEqual(refused, ['DNS lookup of example.org', 'TCP to 192.0.2.1:1883', 'TCP to 192.0.2.2:80', 'TCP to 192.0.2.3:80', 'UDP to 224.0.23.0']);
  });
});
