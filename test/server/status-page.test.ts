import { strict as assert } from 'node:assert';
import type { Browser } from 'playwright-core';
import { launchBrowser, screenshotPath } from '../support/browser';
import type { EdgeServer } from '../../server/edge-server';
import { call, TempHome, waitFor } from './server-fixture';


/** A window in conflict, a lamp whose device the demo driver takes off the network, a rain sensor that goes stale. */
const PAGE_HOME = `
auth: { secretsFile: secrets/home.json }
store: { file: home.sqlite }
actuators:
  - { id: living.window, kind: window, initial: closed, safe: closed, device: { adapter: virtual, address: sim/w, options: { latency: 5ms } } }
  - { id: hall.light, kind: light, initial: off, device: { adapter: virtual, address: sim/l } }
systems:
  - { id: comfort-vent, category: comfort, targets: ["kind:window"] }
  - { id: security, category: property }
facts:
  - { name: rain, initial: false, maxAge: 300ms }
demo:
  - { fault: hall.light, offset: 100ms, every: 10m, for: 10m }
`;

describe('server/status-page: GET / in headless Chromium', () => {
  let home: TempHome;
  let server: EdgeServer;
  let browser: Browser | undefined;

  beforeEach(async () => {
    home = await new TempHome(PAGE_HOME).withSecrets();
    server = await home.startServer();
  });

  afterEach(async () => {
    await browser?.close();
    browser = undefined;
    await server.stop();
    home.remove();
  });

  it('shows owners, deferred claims, a live conflict timeline, a degraded device and a stale fact', async () => {
    const base = server.url;
    const command = (system: string, target: string, state: string) =>
      call(base, 'POST', `/api/systems/${system}/commands`, { token: home.tokens.systems[system], body: { target, state } });
    assert.equal((await command('comfort-vent', 'living.window', 'open')).body.outcome, 'accepted');
    assert.equal((await command('security', 'living.window', 'closed')).body.outcome, 'accepted');
    await waitFor('hall.light degraded', async () => ((await call(base, 'GET', '/api/actuators/hall.light')).body.available === false ? true : undefined));
    await waitFor('rain stale', async () => ((await call(base, 'GET', '/api/status')).body.facts.find((f: { name: string; stale: boolean }) => f.name === 'rain')?.stale ? true : undefined));

    browser = await launchBrowser();
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${base}/`);

    const window = page.locator('#actuators tr[data-id="living.window"]');
    await window.waitFor();
    const cells = await window.locator('td').allTextContents();
    assert.deepEqual(cells.slice(0, 5), ['living.window', 'closed', 'closed', 'security', 'ok']);
    assert.match(cells[5], /comfort-vent: open \(comfort\) its category comfort is below property/);

    const conflicts = page.locator('#timeline li.conflict');
    await conflicts.first().waitFor();
    assert.match(await conflicts.first().textContent() ?? '', /living\.window: security \(closed\) wins over comfort-vent \(open\), priority/);

    // Live: a conflict arbitrated after the page loaded reaches it through the SSE stream.
    await page.locator('#live', { hasText: '(live)' }).waitFor();
    const before = await conflicts.count();
    await command('comfort-vent', 'living.window', 'open');
    await page.waitForFunction(`document.querySelectorAll('#timeline li.conflict').length > ${before}`);

    assert.equal(await page.locator('#actuators tr.degraded[data-id="hall.light"] td.avail').textContent(), 'DEGRADED');
    assert.match(await page.locator('#facts li.stale').textContent() ?? '', /^rain = — \(STALE\)$/);
    assert.ok(await page.locator('#timeline li.degraded', { hasText: 'hall.light degraded' }).count() > 0);
    assert.match(await page.locator('#diagnostics').textContent() ?? '', /adapter:virtual: started/);

    await page.screenshot({ path: screenshotPath('status-page'), fullPage: true });
    assert.deepEqual(errors, []);
  });
});
