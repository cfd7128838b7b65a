import { strict as assert } from 'node:assert';
import type { Browser } from 'playwright-core';
import { launchBrowser, screenshotPath } from '../support/browser';
import { call, TempHome, waitFor } from './server-fixture';
import { ServerProcess } from './server-process';

/**
 * Health beside arbitration, in a real `serve` process: the demo driver commands the window every 300 ms (its
 * dispatch latency baseline), then makes its virtual device take a second per command (a motor wearing out: a
 * trend warning); the lock's service period ended long ago (lifetime-exceeded); security reaches both, so both
 * are idle life-or-property paths that the periodic diagnosis reads back every 500 ms.
 */
const HEALTH_HOME = `
auth: { secretsFile: secrets/home.json }
store: { file: home.sqlite }
diagnostics: { every: 500ms }
actuators:
  - { id: front.lock, kind: lock, initial: unlocked, safe: locked, lifetime: { until: "2020-01-01" }, device: { adapter: virtual, address: sim/l, options: { latency: 5ms, initial: unlocked } } }
  - { id: living.window, kind: window, initial: closed, safe: closed, device: { adapter: virtual, address: sim/w, options: { latency: 5ms, initial: closed } } }
systems:
  - { id: security, category: property, targets: [front.lock, living.window] }
demo:
  - { system: security, target: living.window, states: [open, closed], every: 300ms }
  - { slow: living.window, latency: 1s, offset: 4s }
`;

type Logged = { seq: number; event: Record<string, unknown> & { type: string } };

describe('health events of a real serve process: /api/events and the status page', function () {
  this.timeout(60_000);
  let home: TempHome;
  let server: ServerProcess;
  let base: string;
  let browser: Browser | undefined;

  before(async () => {
    home = await new TempHome(HEALTH_HOME).withSecrets();
    server = new ServerProcess(['--config', home.configFile, '--port', '0']);
    base = await server.url;
  });

  after(async () => {
    await browser?.close();
    await server?.terminate();
    home?.remove();
  });

  const events = async (): Promise<Logged[]> => (await call(base, 'GET', '/api/events?since=0&limit=10000', { token: home.tokens.operator })).body as Logged[];
  const first = (what: string, match: (e: Logged['event']) => boolean, ms = 20_000) =>
    waitFor(what, async () => (await events()).find((e) => match(e.event))?.event, ms);

  it('puts the trend warning, the read-backs of the idle paths and the lifetime-exceeded alarm on /api/events', async () => {
    const alarm = await first('the lifetime-exceeded alarm', (e) => e.type === 'alarm' && e.kind === 'lifetime-exceeded');
    assert.equal(alarm.target, 'front.lock');
    assert.match(String(alarm.message), /service period ended on 2020-01-01/);

    const readBack = await first('a read-back of front.lock', (e) => e.type === 'diagnostics' && (e.results as { subject: string; outcome?: string }[]).some((r) => r.subject === 'actuator:front.lock' && r.outcome !== undefined));
    assert.deepEqual((readBack.results as object[]).map((r) => ({ ...r, message: undefined })), [{ subject: 'actuator:front.lock', ok: true, outcome: 'match', message: undefined }]);

    const trend = await first('the window\'s latency trend warning', (e) => e.type === 'trend-warning');
    assert.equal(trend.subject, 'living.window');
    assert.equal(trend.measure, 'latency');
    assert.ok(Number(trend.value) > 2 * Number(trend.baseline), `latency ${trend.value} ms against a baseline of ${trend.baseline} ms`);
  });

  it('shows them on the status page: the alarm among the active ones, the trend in the timeline, the read-back in the diagnostics', async () => {
    browser = await launchBrowser();
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await page.locator('#live', { hasText: '(live)' }).waitFor();
    await page.locator('#alarms li', { hasText: 'front.lock has reached the end of its life: service period ended on 2020-01-01' }).waitFor();
    await page.locator('#timeline li.trend-warning', { hasText: /^.*TREND living\.window latency at \d/ }).waitFor();
    const readBack = page.locator('#diagnostics tr[data-subject="actuator:front.lock"] td[data-label="last read-back"]');
    await readBack.filter({ hasText: /^✔ match, reads unlocked/ }).waitFor();
    await page.screenshot({ path: screenshotPath('status-page-health'), fullPage: true });
  });
});
