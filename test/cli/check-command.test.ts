import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const repo = join(__dirname, '..', '..', '..');
const cli = join(repo, 'bin', 'home-arbiter.js');
const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout, err: r.stderr };
};

describe('home-arbiter check', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'check-cli-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('prints the findings of a server configuration and exits 0 when none is an error', () => {
    const r = run('check', join(repo, 'examples', 'home.yaml'));
    assert.equal(r.status, 0, r.out + r.err);
    assert.match(r.out, /examples\/home\.yaml: 0 errors, \d+ warnings?, \d+ info/);
    assert.match(r.out, /INFO {4}conflict/);
    assert.match(r.out, /searched: \d+ rule evaluations over split fact domains, \d+ witness scenarios replayed/);
  });

  it('prints SPEC.md §11 JSON with --json and exits 1 on a loop', () => {
    const r = run('check', '--json', join(repo, 'test', 'scenarios', '21-policy-loop.yaml'));
    assert.equal(r.status, 1, r.err);
    const [result] = JSON.parse(r.out);
    assert.match(result.file, /21-policy-loop\.yaml$/);
    const loop = result.findings.find((f: { kind: string }) => f.kind === 'loop');
    assert.deepEqual(Object.keys(loop).sort(), ['claimants', 'kind', 'message', 'rules', 'severity', 'targets', 'witness']);
    assert.deepEqual({ severity: loop.severity, claimants: loop.claimants, witness: loop.witness }, { severity: 'error', claimants: ['policy:fan-against-vent', 'policy:vent-follows-fan'], witness: { facts: {} } });
  });

  it('exits 2 for an invalid file, naming the field exactly as replay does', () => {
    const bad = file('bad.yaml', 'name: bad\nactuators:\n  - { id: w, kind: window, initial: ajar }\nsteps: []\n');
    const checked = run('check', bad);
    const replayed = run('replay', bad);
    assert.equal(checked.status, 2);
    assert.match(checked.out, /bad\.yaml: actuators\[0\]\.initial: "ajar" is not a state of w/);
    const line = (out: string) => out.split('\n').find((l) => l.includes('actuators[0].initial'));
    assert.equal(line(checked.out), line(replayed.out));
    const json = JSON.parse(run('check', '--json', bad).out);
    assert.deepEqual(json[0].errors.map((e: { path: string }) => e.path), ['actuators[0].initial']);
  });

  it('writes one scenario per finding with a witness with --scenarios, and replay passes on them', () => {
    const out = join(dir, 'witnesses');
    const r = run('check', '--scenarios', out, join(repo, 'examples', 'home.yaml'));
    assert.equal(r.status, 0, r.err);
    const written = readdirSync(out);
    assert.match(r.err, new RegExp(`${written.length} witness scenarios written to `));
    assert.ok(written.some((f) => /^home-\d{3}-manual-overridden\.yaml$/.test(f)), written.join(', '));
    const replay = run('replay', out);
    assert.equal(replay.status, 0, replay.out);
  });
});
