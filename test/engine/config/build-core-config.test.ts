import { strict as assert } from 'node:assert';
import { buildCoreConfig } from '../../../engine/config/arbiter-config';
import { ConfigError } from '../../../engine/config/config-error';

function problems(raw: unknown): string[] {
  try {
    buildCoreConfig(raw);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.issues.map((i) => `${i.path}: ${i.message}`);
  }
  assert.fail('expected a ConfigError');
}

describe('buildCoreConfig: every problem at once', () => {
  it('reports an unknown field and, in the same answer, a kind without states', () => {
    const found = problems({ actuators: [{ id: 'garage.door', kind: 'gizmo', colour: 'red', initial: 'open' }, { id: 'hall.light', kind: 'light', initial: 'dim' }] });
    assert.deepEqual(found, [
      'actuators[0]: unknown field "colour"',
      'actuators[0].states: is required for kind "gizmo" (known kinds: window, shutter, blind, valve, lock, switch, light, ac, av; or give range)',
      'actuators[1].initial: "dim" is not a state of hall.light (on, off)',
    ]);
  });

  it('reports a value of the wrong type in an optional field beside the problems beyond the shape', () => {
    const found = problems({ config: { flapping: { changes: 'six' } }, actuators: [{ id: 'x', kind: 'window', initial: 'ajar' }], systems: [{ id: 's', category: 'comfort', targets: ['kind:door'] }] });
    assert.deepEqual(found.map((p) => p.split(':')[0]), ['config.flapping.changes', 'actuators[0].initial']);
  });

  it('says nothing about the initial state of an actuator without states: the missing states are the problem', () => {
    assert.ok(problems({ actuators: [{ id: 'garage.door', kind: 'gizmo', initial: 'open' }] }).every((p) => !/undefined/.test(p)));
  });

  it('stops at a missing required field, which leaves the rest unreadable', () => {
    assert.deepEqual(problems({ actuators: [{ id: 'x', initial: 'ajar' }] }), ['actuators[0].kind: is required (expected string, received undefined)']);
  });
});
