import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cli = join(__dirname, '..', '..', '..', 'bin', 'home-arbiter.js');

describe('home-arbiter replay: bad input', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'replay-bad-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function replay(yaml: string, ...flags: string[]) {
    const file = join(dir, 'scenario.yaml');
    writeFileSync(file, yaml);
    const result = spawnSync(process.execPath, [cli, 'replay', ...flags, file], { encoding: 'utf8' });
    return { status: result.status, out: result.stdout + result.stderr, file };
  }

  const base = `name: bad
actuators:
  - { id: w, kind: window, initial: closed }
systems:
  - { id: vent, category: comfort }
`;

  it('exits 2 naming the path of a missing required field', () => {
    const r = replay(`${base}steps:\n  - at: 0s\n    expect: {}\n  - at: 1s\n    command: { system: vent, state: open }\n`);
    assert.equal(r.status, 2);
    assert.match(r.out, /steps\[1\]\.command\.target: is required/);
    assert.ok(r.out.includes(r.file), 'names the file');
    assert.doesNotMatch(r.out, /\n\s+at .*\.js:\d+/, 'no stack trace');
  });

  it('exits 2 naming a policy with an unknown event type', () => {
    const r = replay(`${base}policies:\n  - name: p\n    conditions: { all: [ { fact: rain, operator: equal, value: true } ] }\n    event: { type: shout, params: {} }\nsteps: []\n`);
    assert.equal(r.status, 2);
    assert.match(r.out, /policies\[0\]\.event\.type: unknown event type "shout"/);
  });

  const writers = (factLine: string, rule: string) => `name: writers
actuators:
  - { id: front.lock, kind: lock, initial: locked }
systems:
  - { id: disaster, category: life }
  - { id: comfort-vent, category: comfort }
  - { id: media, category: entertainment }
facts:
  - ${factLine}
policies:
  - name: fire
    conditions: { any: [ { not: { fact: alarm-panel, operator: equal, value: quiet } }, { all: [ { fact: smoke, operator: equal, value: true } ] } ] }
    event: ${rule}
steps: []
`;

  it('exits 2 naming the writer when a comfort system writes a fact that drives a life assert (SPEC.md §6)', () => {
    const r = replay(writers('{ name: smoke, initial: false, writers: [disaster, comfort-vent] }', '{ type: assert, params: { target: front.lock, state: unlocked, category: life } }'));
    assert.equal(r.status, 2);
    assert.match(r.out, /facts\[0\]\.writers\[1\]: system "comfort-vent" has category comfort, below life, which rule "fire" asserts through fact "smoke"/);
    assert.doesNotMatch(r.out, /writers\[0\]/, 'the life writer is fine');
  });

  it('exits 2 naming the writer when an entertainment system writes a fact read, nested in not, by a forbid below life', () => {
    const r = replay(writers('{ name: alarm-panel, initial: quiet, writers: [comfort-vent, media] }', '{ type: forbid, params: { target: front.lock } }'));
    assert.equal(r.status, 2);
    // A forbid below life can deny property commands: both writers fall short of property.
    assert.match(r.out, /facts\[0\]\.writers\[0\]: system "comfort-vent" has category comfort, below property, which rule "fire" can deny/);
    assert.match(r.out, /facts\[0\]\.writers\[1\]: system "media" has category entertainment, below property/);
  });

  it('exits 2 naming a writer that is not a declared system, and accepts writers of notify-only facts', () => {
    const r = replay(writers('{ name: smoke, writers: [ghost] }', '{ type: notify, params: {} }'));
    assert.equal(r.status, 2);
    assert.match(r.out, /facts\[0\]\.writers\[0\]: unknown system "ghost"/);
    assert.equal(replay(writers('{ name: smoke, writers: [media] }', '{ type: notify, params: {} }')).status, 0);
  });

  it('exits 2 for a by on a step that is not a fact step', () => {
    const r = replay(`${base}steps:\n  - at: 0s\n    command: { system: vent, target: w, state: open }\n    by: vent\n`);
    assert.equal(r.status, 2);
    assert.match(r.out, /steps\[0\]\.by: only a fact step takes by/);
  });

  it('exits 2 with line and column for a YAML syntax error', () => {
    const r = replay(`${base}steps:\n  - at: 0s\n    command: { system: vent, target: w, state: open\n`);
    assert.equal(r.status, 2);
    assert.match(r.out, /line \d+, column \d+/);
  });

  it('exits 2 for an unknown state value in the actuator declaration and a bad duration', () => {
    const r = replay(`name: bad\nactuators:\n  - { id: w, kind: window, initial: ajar, minHold: soon }\nsteps: []\n`);
    assert.equal(r.status, 2);
    assert.match(r.out, /actuators\[0\]\.minHold: "soon" is not a duration/);
  });

  it('exits 2 for time going backwards and reports it as JSON with --json', () => {
    const r = replay(`${base}steps:\n  - at: 1m\n    expect: {}\n  - at: 10s\n    expect: {}\n`, '--json');
    assert.equal(r.status, 2);
    const [result] = JSON.parse(r.out);
    assert.equal(result.status, 'invalid');
    assert.deepEqual(result.errors.map((e: { path: string }) => e.path), ['steps[1].at']);
  });

  it('exits 1 when an expectation fails and 0 when all pass', () => {
    const steps = `steps:\n  - at: 0s\n    command: { system: vent, target: w, state: open }\n  - at: 0s\n    expect: { state: { w: STATE } }\n`;
    assert.equal(replay(base + steps.replace('STATE', 'closed')).status, 1);
    assert.equal(replay(base + steps.replace('STATE', 'open')).status, 0);
  });

  it('exits 2 for a file that does not exist, naming it', () => {
    const result = spawnSync(process.execPath, [cli, 'replay', join(dir, 'missing.yaml')], { encoding: 'utf8' });
    assert.equal(result.status, 2);
    assert.match(result.stdout, /missing\.yaml: cannot read: ENOENT/);
  });
});
