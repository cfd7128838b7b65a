import type { RawArbiterConfig } from '../../../engine';

/**
 * What every adapter's end-to-end test shares of the UC4 home (contract scenarios 01 and 02): security and comfort
 * ventilation, the smoke fact, and the fire-evacuation rule that unlocks the front door at life priority.
 */
export function uc4Home(actuators: RawArbiterConfig['actuators'], ventTargets: string[] = ['kind:window']): RawArbiterConfig {
  return {
    actuators,
    systems: [
      { id: 'comfort-vent', category: 'comfort', targets: ventTargets },
      { id: 'security', category: 'property' },
    ],
    facts: [{ name: 'smoke', initial: false }],
    policies: [
      {
        name: 'fire-evacuation',
        conditions: { all: [{ fact: 'smoke', operator: 'equal', value: true }] },
        event: { type: 'assert', params: { target: 'front.lock', state: 'unlocked', category: 'life' } },
      },
    ],
  };
}
