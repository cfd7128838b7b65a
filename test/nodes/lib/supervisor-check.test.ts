import assert from 'node:assert/strict';
import { checkSupervisor } from '../../../nodes/lib/supervisor-check';
import type { SupervisorDef, SystemDef } from '../../../nodes/lib/supervisor-config';

const def = (fields: Partial<SupervisorDef>): SupervisorDef => ({ id: 'abc123', type: 'arbiter-supervisor', name: 'home', ...fields });
const sys = (systemId: string, category = 'comfort'): SystemDef => ({ id: `n-${systemId}`, type: 'arbiter-system', supervisor: 'abc123', systemId, category });
const noFiles = (path: string): string => {
  throw new Error(`ENOENT: ${path}`);
};
const flips = (name: string, when: string, then: string) => ({
  name,
  conditions: { all: [{ fact: 'actuator:living.window', operator: 'equal', value: when }] },
  event: { type: 'assert', params: { target: 'living.window', state: then, category: 'property' } },
});

describe('supervisor check: what the editor shows while the configuration is written', function () {
  it('lists every problem at once, and still reads the actuators and facts it can for the completions', async function () {
    const yaml = '- { id: living.window, kind: window, colour: red }\n- { id: garage.door, kind: gizmo, zone: garage, tags: [outside] }\n';
    const result = await checkSupervisor(def({ actuators: yaml, facts: '- { name: rain, maxAge: soon }' }), [], undefined, noFiles);
    assert.deepEqual(result.problems.map((p) => p.path), ['actuators[0]', 'facts[0].maxAge', 'actuators[1].states']);
    assert.deepEqual(result.actuators, [{ id: 'living.window', kind: 'window' }, { id: 'garage.door', kind: 'gizmo', zone: 'garage', tags: ['outside'] }]);
    assert.deepEqual(result.facts, ['rain']);
  });

  it("reports the static check's errors as problems and its warnings apart, as a deploy would refuse and log them", async function () {
    const actuators = '- { id: living.window, kind: window, initial: closed }';
    const loop = await checkSupervisor(def({ actuators, policies: JSON.stringify([flips('open-closes', 'open', 'closed'), flips('closed-opens', 'closed', 'open')]) }), [], undefined, noFiles);
    assert.equal(loop.problems.length, 1);
    assert.equal(loop.problems[0]!.path, 'check');
    assert.match(loop.problems[0]!.message, /^loop on living\.window \(rules closed-opens, open-closes\): /);
    const tie = await checkSupervisor(def({ actuators }), [sys('vent'), sys('fan')], undefined, noFiles);
    assert.deepEqual(tie.problems, []);
    assert.match(tie.warnings.join('\n'), /^tie on living\.window: /m);
  });
});
