import { strict as assert } from 'node:assert';
import { Subject } from 'rxjs';
import { comfortVentilation, type RoomReading } from '../../examples/comfort-ventilation';
import { startArbiter, uc4Config } from '../support/fixtures';

describe('examples/comfort-ventilation (a plugin in twenty lines)', () => {
  it('opens when warm, is deferred by security, comes back, and lets go when the air is bad', async () => {
    const { arbiter } = await startArbiter(uc4Config({ systems: [{ id: 'security', category: 'property' }] }));
    const readings = new Subject<RoomReading>();
    const subscription = comfortVentilation(arbiter, 'living.window', readings);
    const settle = async () => {
      await new Promise((r) => setImmediate(r));
      await arbiter.settled();
    };

    readings.next({ celsius: 28, pm25: 5 });
    await settle();
    assert.equal(arbiter.view('living.window')?.state, 'open');

    await arbiter.command({ system: 'security', target: 'living.window', state: 'closed' });
    readings.next({ celsius: 29, pm25: 5 });
    await settle();
    assert.equal(arbiter.view('living.window')?.owner, 'security');

    await arbiter.release('security', 'living.window');
    assert.equal(arbiter.view('living.window')?.state, 'open');

    readings.next({ celsius: 29, pm25: 80 });
    await settle();
    assert.equal(arbiter.tables.claim('comfort-vent', 'living.window'), undefined);
    subscription.unsubscribe();
    await arbiter.stop();
  });
});
