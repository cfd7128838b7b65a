import assert from 'node:assert/strict';
import { ConfigError } from '../../../engine';
import { storePath, supervisorCoreConfig, systemEntryOf, type SupervisorDef, type SystemDef } from '../../../nodes/lib/supervisor-config';

const def = (fields: Partial<SupervisorDef> = {}): SupervisorDef => ({
  id: 'abc123',
  type: 'arbiter-supervisor',
  name: 'home',
  actuators: JSON.stringify([{ id: 'living.window', kind: 'window' }]),
  ...fields,
});
const sys = (fields: Partial<SystemDef>): SystemDef => ({ id: `n-${fields.systemId}`, type: 'arbiter-system', supervisor: 'abc123', category: 'comfort', ...fields });
const noFiles = (path: string): string => {
  throw new Error(`ENOENT: ${path}`);
};

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.issues.map((i) => `${i.path}: ${i.message}`);
  }
  assert.fail('expected a ConfigError');
}

describe('supervisor configuration', function () {
  it('builds the engine configuration from the fields, the editor strings and the system nodes', function () {
    const config = supervisorCoreConfig(
      def({ persistentWindow: '2m', persistentCount: '4', persistentFor: '15m', flappingChanges: '', quarantineDenials: 2 }),
      [sys({ systemId: 'vent', targets: 'kind:window, zone:living', rank: '2' }), sys({ systemId: 'security', category: 'property' })],
      undefined,
      noFiles,
    );
    assert.deepEqual(config.systems, [
      { id: 'vent', category: 'comfort', rank: 2, targets: ['kind:window', 'zone:living'] },
      { id: 'security', category: 'property', rank: 0, targets: ['*'] },
    ]);
    assert.deepEqual(config.monitors.persistentConflict, { window: 120_000, count: 4, for: 900_000 });
    assert.equal(config.monitors.flapping.changes, 6, 'an empty field keeps the default');
    assert.equal(config.monitors.quarantine.denials, 2);
  });

  it('accepts two nodes declaring one system identically, and names the node of a conflicting one', function () {
    assert.equal(supervisorCoreConfig(def(), [sys({ systemId: 'vent' }), sys({ id: 'other', systemId: 'vent' })], undefined, noFiles).systems.length, 1);
    assert.deepEqual(problems(() => supervisorCoreConfig(def(), [sys({ systemId: 'vent' }), sys({ id: 'n2', name: 'Vent 2', systemId: 'vent', rank: 3 })], undefined, noFiles)), [
      'arbiter-system "Vent 2".id: duplicate system id "vent" (first at index 0)',
    ]);
  });

  it('reads policies from a file relative to the user directory, and refuses both a file and inline rules', function () {
    const rule = { name: 'r', conditions: { all: [{ fact: 'rain', operator: 'equal', value: true }] }, event: { type: 'assert', params: { target: 'living.window', state: 'closed', category: 'property' } } };
    const read = (path: string) => {
      assert.equal(path, '/home/nr/policies.yaml');
      return `- ${JSON.stringify(rule)}\n`;
    };
    const config = supervisorCoreConfig(def({ policiesFile: 'policies.yaml', facts: '[{"name":"rain"}]' }), [], '/home/nr', read);
    assert.equal(config.policies.length, 1);
    assert.deepEqual(problems(() => supervisorCoreConfig(def({ policiesFile: 'p.json', policies: JSON.stringify([rule]) }), [], '/home/nr', read)), [
      'policiesFile: give policies inline or as a file, not both',
    ]);
    assert.match(problems(() => supervisorCoreConfig(def({ policiesFile: '/etc/none.json' }), [], '/home/nr', noFiles))[0], /^policiesFile: cannot read policies from \/etc\/none\.json: ENOENT/);
  });

  it('names the field of bad JSON and of every engine-level problem', function () {
    assert.deepEqual(problems(() => supervisorCoreConfig(def({ actuators: '[{' }), [], undefined, noFiles)).map((p) => p.split(':')[0]), ['actuators']);
    assert.deepEqual(
      problems(() => supervisorCoreConfig(def({ actuators: JSON.stringify([{ id: 'x', kind: 'window', initial: 'ajar' }]), persistentCount: 'three' }), [], undefined, noFiles)).map((p) => p.split(':')[0]),
      ['config.persistentConflict.count', 'actuators[0].initial'],
    );
    assert.match(problems(() => supervisorCoreConfig(def({ actuators: JSON.stringify([{ id: 'x', kind: 'window', initial: 'ajar' }]) }), [], undefined, noFiles))[0], /^actuators\[0\]\.initial: "ajar" is not a state of x/);
  });

  it('splits targets on commas and spaces and leaves an empty list out', function () {
    assert.deepEqual(systemEntryOf(sys({ systemId: 'a', targets: ' kind:window,zone:living  tag:x ' })).targets, ['kind:window', 'zone:living', 'tag:x']);
    assert.equal(systemEntryOf(sys({ systemId: 'a', targets: '' })).targets, undefined);
  });

  it('keeps the store in the user directory, named after the node, unless a file is given', function () {
    assert.equal(storePath(def(), '/home/nr/.node-red'), '/home/nr/.node-red/home-arbiter-abc123.sqlite');
    assert.equal(storePath(def({ storeFile: 'arbiter.db' }), '/home/nr/.node-red'), '/home/nr/.node-red/arbiter.db');
    assert.equal(storePath(def({ storeFile: '/var/lib/arbiter.db' }), '/home/nr/.node-red'), '/var/lib/arbiter.db');
    assert.deepEqual(problems(() => storePath(def(), undefined)), ['storeFile: is required when Node-RED has no user directory']);
  });
});
