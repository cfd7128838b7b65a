import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ClockJumpMonitor } from '../../server/clock-jump-monitor';
import { ServerTrends } from '../../server/server-trends';
import { sandbox } from '../support/setup';
import { SmallDisk } from '../support/small-disk';
import { NodeRedHarness } from './support/node-red-harness';
import { catchAll, events, helpers, supervisor, SUPERVISOR } from './support/flows';

const WINDOW = { id: 'living.window', kind: 'window', initial: 'closed', safe: 'closed' };

/** The health monitors of `serve` that a Node-RED home gets, driven through the real supervisor node. */
describe('arbiter-supervisor: health monitors', function () {
  const h = new NodeRedHarness();
  before(() => h.startServer());
  after(() => h.stopServer());
  afterEach(() => h.unload());

  it('names a bad sampling interval in settings.js and samples every minute instead', async () => {
    h.newUserDir({ arbiterSupervisorTrendsEvery: 'soon' });
    await h.load([supervisor({ actuators: [WINDOW] })]);
    await h.node(SUPERVISOR).supervisor!.ready();
    assert.deepEqual(h.errorsLogged(SUPERVISOR), ['settings.js arbiterSupervisorTrendsEvery: "soon" is not a duration above 0 (30s, 5m, or ms); sampling every 60s']);
  });

  describe('with the store on a small disk', () => {
    let disk: SmallDisk | undefined;
    beforeEach(function () {
      disk = SmallDisk.forTest(this, 2048);
      h.newUserDir({ arbiterSupervisorTrendsEvery: '50ms' });
    });
    afterEach(async () => {
      await h.unload();
      disk?.unmount();
      disk = undefined;
    });

    const flow = () => [supervisor({ actuators: [WINDOW] }, { storeFile: join(disk!.dir, 'home.sqlite') }), events(['trend-warning']), ...helpers('seen'), ...catchAll()];

    it('warns through an arbiter-events node when the store\'s file system fills up, and stops sampling on a redeploy and on close', async () => {
      const stops = { trends: sandbox.spy(ServerTrends.prototype, 'stop'), clock: sandbox.spy(ClockJumpMonitor.prototype, 'stop') };
      await h.load(flow());
      await h.node(SUPERVISOR).supervisor!.ready();
      assert.equal(h.messages('seen').length, 0, 'a disk with room gives no warning');

      disk!.fill();
      try {
        await h.until(() => h.messages('seen').length > 0, 'a trend warning at the events node');
      } finally {
        disk!.free(); // the engine's close waits for its store to write
      }
      const [warning] = h.messages('seen');
      assert.equal(warning.topic, 'trend-warning');
      const payload = warning.payload as { subject: string; measure: string; value: number; baseline: number };
      assert.deepEqual([payload.subject, payload.measure], ['store', 'disk-free']);
      assert.ok(payload.value <= payload.baseline, `free bytes ${payload.value} at or below the threshold ${payload.baseline} (5 % of the disk)`);
      assert.match(String(warning.description), /^trend: store disk-free at \d+, baseline \d+/);

      await h.redeploy(flow());
      assert.deepEqual([stops.trends.callCount, stops.clock.callCount], [1, 1], 'the closed supervisor stopped both monitors');
      await h.node(SUPERVISOR).supervisor!.ready();
      await h.unload();
      assert.deepEqual([stops.trends.callCount, stops.clock.callCount], [2, 2], 'and so did the redeployed one');
    });
  });
});
