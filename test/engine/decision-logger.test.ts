import { strict as assert } from 'node:assert';
import { Arbiter } from '../../engine/arbiter';
import { VirtualClock } from '../../engine/clock';
import type { DecisionLogger } from '../../engine/decision-logger';
import { uc4Config } from '../support/fixtures';

describe('decision logging', () => {
  it('hands every decision to the logger with a sentence saying why the winner won', async () => {
    const lines: [string, string][] = [];
    const logger: DecisionLogger = { decision: (event, sentence) => lines.push([event.type, sentence()]), error: () => undefined };
    const arbiter = new Arbiter({ config: uc4Config(), clock: new VirtualClock(0), logger });
    await arbiter.start();
    await arbiter.command({ system: 'comfort-vent', target: 'living.window', state: 'open' });
    await arbiter.command({ system: 'security', target: 'living.window', state: 'closed' });
    await arbiter.command({ system: 'comfort-vent', target: 'front.lock', state: 'unlocked' });
    assert.deepEqual(lines.map(([type]) => type), ['claimed', 'dispatched', 'claimed', 'conflict', 'dispatched', 'denied']);
    assert.equal(lines[1][1], 'living.window → open (by comfort-vent), because the only live claim');
    assert.equal(lines[3][1], 'conflict on living.window: security (closed) beats comfort-vent (open) by priority, because the highest priority (category, then manual over automatic, then rank)');
    assert.equal(lines[5][1], 'denied comfort-vent → front.lock=unlocked: unauthorized');
    await arbiter.stop();
  });
});
