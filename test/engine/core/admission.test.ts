import { strict as assert } from 'node:assert';
import { admit, type AdmissionContext } from '../../../engine/core/admission';
import type { ActuatorSpec } from '../../../engine/core/actuator';
import type { SystemSpec } from '../../../engine/core/control-system';
import { selectsAny } from '../../../engine/core/selector';

const window: ActuatorSpec = { id: 'w', kind: 'window', states: ['open', 'closed'], tags: [], minHold: 0, manual: false };
const systems: Record<string, SystemSpec> = {
  vent: { id: 'vent', category: 'comfort', rank: 0, targets: ['kind:window'] },
  media: { id: 'media', category: 'entertainment', rank: 0, targets: ['tv'] },
  fire: { id: 'fire', category: 'life', rank: 0, targets: ['*'] },
};

function context(overrides: Partial<AdmissionContext> = {}): AdmissionContext {
  return {
    system: (id) => systems[id],
    isQuarantined: () => false,
    actuator: (id) => (id === 'w' ? window : undefined),
    isStopped: () => false,
    isLocked: () => false,
    mayCommand: (system, actuator) => selectsAny(system.targets, actuator),
    forbids: () => [],
    ...overrides,
  };
}

describe('admission (SPEC.md §2 checks, in order)', () => {
  const cases: [string, Parameters<typeof admit>[0], Partial<AdmissionContext>, string][] = [
    ['unknown-system before anything else', { system: 'ghost', target: 'nowhere', state: 'x' }, { isQuarantined: () => true }, 'unknown-system'],
    ['quarantined before unknown-target', { system: 'vent', target: 'nowhere', state: 'x' }, { isQuarantined: () => true }, 'quarantined'],
    ['unknown-target before invalid-state', { system: 'vent', target: 'nowhere', state: 'x' }, {}, 'unknown-target'],
    ['invalid-state before unauthorized', { system: 'media', target: 'w', state: 'ajar' }, {}, 'invalid-state'],
    ['unauthorized target before stopped', { system: 'media', target: 'w', state: 'open' }, { isStopped: () => true }, 'unauthorized'],
    ['unauthorized category above the system', { system: 'vent', target: 'w', state: 'open', category: 'property' }, {}, 'unauthorized'],
    ['a command with an unknown category as unauthorized', { system: 'vent', target: 'w', state: 'open', category: 'urgent' }, {}, 'unauthorized'],
    ['stopped before locked', { system: 'vent', target: 'w', state: 'open' }, { isStopped: () => true, isLocked: () => true }, 'stopped'],
    ['locked before forbidden', { system: 'vent', target: 'w', state: 'open' }, { isLocked: () => true, forbids: () => [{ rule: 'r', effect: { type: 'forbid', below: 'life' } }] }, 'locked'],
    ['forbidden last', { system: 'vent', target: 'w', state: 'open' }, { forbids: () => [{ rule: 'rain', effect: { type: 'forbid', target: 'kind:window', state: 'open', below: 'life' } }] }, 'forbidden'],
  ];
  for (const [title, command, overrides, reason] of cases) {
    it(`denies ${title}`, () => {
      const result = admit(command, context(overrides));
      assert.equal(result.admitted, false);
      assert.equal(!result.admitted && result.reason, reason);
    });
  }

  it('names the forbidding rule', () => {
    const result = admit({ system: 'vent', target: 'w', state: 'open' }, context({ forbids: () => [{ rule: 'rain', effect: { type: 'forbid', below: 'life' } }] }));
    assert.deepEqual(result, { admitted: false, reason: 'forbidden', rule: 'rain' });
  });

  it('lets life through a stop, a lock and a forbid', () => {
    const result = admit(
      { system: 'fire', target: 'w', state: 'open' },
      context({ isStopped: () => true, isLocked: () => true, forbids: () => [{ rule: 'r', effect: { type: 'forbid', below: 'life' } }] }),
    );
    assert.deepEqual(result, { admitted: true, state: 'open', category: 'life', rank: 0 });
  });

  it('admits a command with the system category by default', () => {
    assert.deepEqual(admit({ system: 'vent', target: 'w', state: 'closed' }, context()), { admitted: true, state: 'closed', category: 'comfort', rank: 0 });
  });
});
