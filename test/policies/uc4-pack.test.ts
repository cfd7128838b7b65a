import { strict as assert } from 'node:assert';
import { buildCoreConfig } from '../../engine/config/arbiter-config';
import { loadPolicyPack, UC4_PACK_FILE, withPack } from '../../policies/policy-pack';
import { ofKind, startArbiter } from '../support/fixtures';

const home = {
  actuators: [
    { id: 'front.lock', kind: 'lock', initial: 'locked', tags: ['exit'] },
    { id: 'living.window', kind: 'window', initial: 'closed' },
    { id: 'living.shutter', kind: 'shutter', initial: 'open' },
  ],
  systems: [
    { id: 'security', category: 'property' },
    { id: 'comfort-vent', category: 'comfort' },
  ],
};

async function uc4Home() {
  return startArbiter(buildCoreConfig(withPack(home, loadPolicyPack(UC4_PACK_FILE))));
}

describe('the UC4 policy pack (policies/uc4.json)', () => {
  it('unlocks the exits at life priority when there is smoke, against security', async () => {
    const { arbiter, events } = await uc4Home();
    await arbiter.command({ system: 'security', target: 'front.lock', state: 'locked' });
    arbiter.setFacts({ smoke: true });
    await arbiter.settled();
    assert.equal(arbiter.view('front.lock')?.state, 'unlocked');
    assert.equal(arbiter.view('front.lock')?.owner, 'policy:fire-evacuation');
    assert.deepEqual(ofKind(events, 'alarm').map((a) => a.rule), ['fire-alarm']);
    await arbiter.stop();
  });

  it('closes the windows against ventilation when PM2.5 is high, and lets it open them again after', async () => {
    const { arbiter } = await uc4Home();
    await arbiter.command({ system: 'comfort-vent', target: 'living.window', state: 'open' });
    arbiter.setFacts({ pm25: 80 });
    await arbiter.settled();
    assert.equal(arbiter.view('living.window')?.state, 'closed');
    arbiter.setFacts({ pm25: 12 });
    await arbiter.settled();
    assert.equal(arbiter.view('living.window')?.owner, 'comfort-vent');
    assert.equal(arbiter.view('living.window')?.state, 'open');
    await arbiter.stop();
  });

  it('closes shutters in a storm and for an intruder, and forbids opening windows in the rain', async () => {
    const { arbiter, events } = await uc4Home();
    arbiter.setFacts({ wind: 22 });
    await arbiter.settled();
    assert.equal(arbiter.view('living.shutter')?.owner, 'policy:storm-close-shutters');
    arbiter.setFacts({ wind: 3, intrusion: true });
    await arbiter.settled();
    assert.equal(arbiter.view('living.shutter')?.owner, 'policy:intruder-close-shutters');
    arbiter.setFacts({ rain: true });
    await arbiter.settled();
    assert.deepEqual(await arbiter.command({ system: 'comfort-vent', target: 'living.window', state: 'open' }), { outcome: 'denied', reason: 'forbidden', rule: 'rain-no-open' });
    assert.deepEqual(await arbiter.command({ system: 'security', target: 'living.window', state: 'open' }), { outcome: 'deferred', winner: 'policy:rain-close' });
    assert.ok(ofKind(events, 'alarm').some((a) => a.rule === 'intruder-alarm'));
    await arbiter.stop();
  });
});
