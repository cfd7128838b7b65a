import { strict as assert } from 'node:assert';
import type { Browser, Page } from 'playwright-core';
import type { EdgeServer } from '../../server/edge-server';
import { launchBrowser, screenshotPath } from '../support/browser';
import { call, TempHome, waitFor } from './server-fixture';

/**
 * A window in conflict, a lamp whose device the demo driver takes off the network, a lock the demo driver
 * commands as disaster, a media system that oversteps into quarantine, a rain sensor that goes stale and then
 * reads as rain (its fail-safe value).
 */
const PAGE_HOME = `
auth: { secretsFile: secrets/home.json }
store: { file: home.sqlite }
actuators:
  - { id: living.window, kind: window, initial: closed, safe: closed, lifetime: { cycles: 20000 }, device: { adapter: virtual, address: sim/w, options: { latency: 5ms } } }
  - { id: front.lock, kind: lock, initial: unlocked, safe: locked, device: { adapter: virtual, address: sim/f, options: { latency: 5ms } } }
  - { id: hall.light, kind: light, initial: off, device: { adapter: virtual, address: sim/l } }
systems:
  - { id: comfort-vent, category: comfort, targets: ["kind:window"] }
  - { id: security, category: property }
  - { id: media, category: entertainment, targets: [hall.light] }
  - { id: disaster, category: life, targets: [front.lock] }
facts:
  - { name: rain, initial: false, maxAge: 300ms, whenStale: true }
demo:
  - { fault: hall.light, offset: 100ms, every: 10m, for: 10m }
  - { system: disaster, target: front.lock, states: [locked], every: 10m, offset: 50ms }
`;
const PHONE = { width: 390, height: 844 };

describe('server/status-page: the page on a phone (Chromium at 390x844)', function () {
  this.timeout(60_000);
  let home: TempHome;
  let server: EdgeServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  const command = (system: string, target: string, state: string) =>
    call(server.url, 'POST', `/api/systems/${system}/commands`, { token: home.tokens.systems[system], body: { target, state } });
  const events = async () => (await call(server.url, 'GET', '/api/events?since=0&limit=10000', { token: home.tokens.operator })).body.map((e: { event: Record<string, unknown> }) => e.event);

  /** Clicks `button`, checks the confirmation says `sentence`, and confirms (or cancels). */
  async function confirmAfter(button: ReturnType<Page['locator']>, sentence: RegExp, answer: 'confirm' | 'cancel' = 'confirm'): Promise<void> {
    await button.click();
    const dialog = page.locator('dialog#confirm');
    await dialog.waitFor({ state: 'visible' });
    assert.match(await dialog.locator('#confirm-text').textContent() ?? '', sentence);
    await dialog.locator(answer === 'confirm' ? '#confirm-ok' : 'button[value="cancel"]').click();
    await dialog.waitFor({ state: 'hidden' });
  }

  before(async () => {
    home = await new TempHome(PAGE_HOME).withSecrets();
    server = await home.startServer();
    // A persistent conflict (three conflicts between the same two systems within a minute) and a quarantine
    // (five unauthorized commands): two active alarms.
    assert.equal((await command('comfort-vent', 'living.window', 'open')).body.outcome, 'accepted');
    assert.equal((await command('security', 'living.window', 'closed')).body.outcome, 'accepted');
    await command('comfort-vent', 'living.window', 'open');
    await command('comfort-vent', 'living.window', 'open');
    for (let i = 0; i < 5; i++) assert.equal((await command('media', 'front.lock', 'unlocked')).status, 409);
    await waitFor('two active alarms', async () => ((await call(server.url, 'GET', '/api/status')).body.alarms.length === 2 ? true : undefined));
    await waitFor('hall.light degraded', async () => ((await call(server.url, 'GET', '/api/actuators/hall.light')).body.available === false ? true : undefined));
    await waitFor('rain stale', async () => ((await call(server.url, 'GET', '/api/status')).body.facts.find((f: { name: string; stale: boolean }) => f.name === 'rain')?.stale ? true : undefined));

    browser = await launchBrowser();
    page = await browser.newPage({ viewport: PHONE, isMobile: true, hasTouch: true });
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${server.url}/`);
    await page.locator('#live', { hasText: '(live)' }).waitFor();
    await page.locator('#actuators tr[data-id="living.window"]').waitFor();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    home?.remove();
  });

  it('fits 390 px without horizontal scrolling, every column of every table on screen', async () => {
    assert.ok(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), 'no horizontal scroll');
    for (const table of ['actuators', 'systems', 'diagnostics']) {
      const cells = page.locator(`#${table} tbody td:visible`);
      assert.ok((await cells.count()) > 0, `${table} has visible cells`);
      for (const box of await cells.evaluateAll((tds) => tds.map((td) => td.getBoundingClientRect().toJSON()))) {
        assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width, `${table}: a cell at x ${box.x}, ${box.width} wide, is off screen`);
      }
    }
    const row = page.locator('#actuators tr[data-id="living.window"]');
    const labels = await row.locator('td:visible').evaluateAll((tds) => tds.map((td) => `${td.getAttribute('data-label')}: ${td.textContent}`));
    assert.deepEqual(labels, [
      'actuator: living.window',
      'state: closed',
      'desired: closed',
      'owner: security',
      'device: ok',
      'deferred claims: comfort-vent: open (comfort) its category comfort is below property',
      'lifetime: 2 cycles, 0.00 h (limit 20,000 cycles)',
    ]);
    assert.equal(await page.locator('#actuators tr[data-id="front.lock"] td[data-label="lifetime"]').textContent(), '1 cycle, 0.00 h');
    assert.equal(await page.locator('#actuators tr.degraded[data-id="hall.light"] td.avail').textContent(), 'DEGRADED');
    await page.screenshot({ path: screenshotPath('status-page-phone'), fullPage: true });
  });

  it('lists the active alarms, the quarantine, and each system with its last command (the demo driver\'s too)', async () => {
    const alarms = await page.locator('#alarms li').allTextContents();
    assert.equal(alarms.length, 2);
    assert.match(alarms[0]!, /media was quarantined after repeated unauthorized commands/);
    assert.match(alarms[1]!, /living\.window: comfort-vent and security keep contradicting each other \(persistent conflict\)/);
    assert.equal(await page.locator('#alarm-count').textContent(), '2');
    assert.match(await page.locator('#quarantines').textContent() ?? '', /media: every command is denied until the operator releases it/);
    assert.match(await page.locator('#locks').textContent() ?? '', /No lock/);
    const lastCommand = (id: string) => page.locator(`#systems tr[data-id="${id}"] td.last-command`).textContent();
    assert.match(await lastCommand('disaster') ?? '', /^front\.lock = locked, accepted, /, 'the demo driver\'s command');
    assert.match(await lastCommand('security') ?? '', /^living\.window = closed, accepted, /);
    assert.match(await lastCommand('comfort-vent') ?? '', /^living\.window = open, deferred, /);
    assert.match(await lastCommand('media') ?? '', /^front\.lock = unlocked, denied \(unauthorized\), /);
    assert.match(await page.locator('#systems tr[data-id="media"]').textContent() ?? '', /QUARANTINED/);
  });

  it('shows a stale fact as the fail-safe value of a silent sensor, and since when; diagnostics with their time and now', async () => {
    assert.match(await page.locator('#facts li.stale[data-name="rain"]').textContent() ?? '', /^rain = true \(fail-safe value\): no reading since \d.*, stale since \d/);
    assert.match(await page.locator('#diagnostics-time').textContent() ?? '', /^Checked at start-up, \d.*; 0 problems then, 2 problems now\.$/);
    const light = await page.locator('#diagnostics tr[data-subject="actuator:hall.light"] td').allTextContents();
    assert.deepEqual(light, ['actuator:hall.light', '✔ virtual sim/l, reachable', '✘ unreachable', '—'], 'no life or property rule reaches the light: it is never read back');
    assert.deepEqual(await page.locator('#diagnostics tr[data-subject="adapter:virtual"] td').allTextContents(), ['adapter:virtual', '✔ started', '✘ 2 of 3 devices reachable', '—']);
    assert.equal(await page.locator('link[rel="icon"]').getAttribute('href'), '/page/favicon.svg');
    const icon = await call(server.url, 'GET', '/page/favicon.svg');
    assert.equal(icon.headers.get('content-type'), 'image/svg+xml');
  });

  it('shows the same conflict twice within a second once, counted', async () => {
    const sentence = 'living.window: security (closed) wins over comfort-vent (open), priority';
    const lines = page.locator('#timeline li.conflict', { hasText: sentence });
    const before = await lines.count();
    // More than a second after the conflicts of the set-up, so that these two start a line of their own.
    const last = Math.max(...(await call(server.url, 'GET', '/api/events?since=0&limit=10000')).body.filter((e: { event: { type: string } }) => e.event.type === 'conflict').map((e: { wall: number }) => e.wall));
    await waitFor('a second after the last conflict', () => (Date.now() > last + 1000 ? true : undefined), 3000);
    await Promise.all([command('comfort-vent', 'living.window', 'open'), command('comfort-vent', 'living.window', 'open')]);
    await page.locator('#timeline li.conflict', { hasText: sentence }).filter({ hasText: '×2' }).waitFor();
    assert.equal(await lines.count(), before + 1);
  });

  it('offers no operator action before signing in, then asks for confirmation before each one', async () => {
    assert.equal(await page.locator('button:visible', { hasText: /^(Lock|Unlock|Release|Acknowledge|Emergency stop|Resume)$/ }).count(), 0);
    await page.click('#sign-in');
    await page.fill('#token', 'not-the-token');
    await page.click('#login button[type="submit"]');
    await page.locator('#login-error', { hasText: 'wrong token' }).waitFor();
    await page.fill('#token', home.tokens.operator);
    await page.click('#login button[type="submit"]');
    await page.locator('#operator-badge').waitFor({ state: 'visible' });

    // Lock, cancelled: nothing happens; confirmed: the lock is in force and listed.
    const lockWindow = page.locator('#actuators tr[data-id="living.window"] button', { hasText: 'Lock' });
    await confirmAfter(lockWindow, /^Lock living\.window: commands below life on it are denied until you unlock it\.$/, 'cancel');
    assert.deepEqual((await call(server.url, 'GET', '/api/status')).body.lockedTargets, []);
    await confirmAfter(lockWindow, /^Lock living\.window/);
    await page.locator('#locks li', { hasText: 'living.window: commands below life on it are denied' }).waitFor();
    assert.equal((await command('comfort-vent', 'living.window', 'closed')).body.reason, 'locked');
    await confirmAfter(page.locator('#locks li button', { hasText: 'Unlock' }), /^Unlock living\.window/);
    await page.locator('#locks li.none').waitFor();

    await confirmAfter(page.locator('#systems tr[data-id="security"] button', { hasText: 'Lock' }), /^Lock system security: its commands below life are denied/);
    await page.locator('#locks li', { hasText: 'system security' }).waitFor();
    await confirmAfter(page.locator('#systems tr[data-id="security"] button', { hasText: 'Unlock' }), /^Unlock system security/);
    await page.locator('#locks li.none').waitFor();

    await confirmAfter(page.locator('#quarantines li[data-system="media"] button'), /^Release media from quarantine/);
    await page.locator('#quarantines li.none').waitFor();
    assert.equal((await command('media', 'hall.light', 'on')).body.outcome, 'accepted');

    await confirmAfter(page.locator('#stop'), /^Emergency stop: nothing but life-category commands/);
    await page.locator('#banners .stopped', { hasText: 'EMERGENCY STOP' }).waitFor();
    await page.screenshot({ path: screenshotPath('status-page-operator'), fullPage: true });
    await confirmAfter(page.locator('#resume'), /^Resume: the desired state of every actuator/);
    await page.locator('#banners .stopped').waitFor({ state: 'detached' });

    const persistent = page.locator('#alarms li', { hasText: 'persistent conflict' });
    await confirmAfter(persistent.locator('button', { hasText: 'Acknowledge' }), /^Acknowledge the alarm "living\.window: comfort-vent and security keep contradicting/);
    await persistent.waitFor({ state: 'detached' });
    const acknowledged = (await events()).filter((e: { type: string }) => e.type === 'alarm-acknowledged');
    assert.deepEqual(acknowledged.map((e: { kind: string; target: string }) => [e.kind, e.target]), [['persistent-conflict', 'living.window']]);
    const operatorActions = (await events()).filter((e: { type: string }) => e.type === 'operator').map((e: { action: string }) => e.action);
    assert.deepEqual(operatorActions, ['lock', 'unlock', 'lock', 'unlock', 'release', 'stop', 'resume']);
  });

  it('says plainly when the server is gone, and catches up when it is back', async () => {
    const port = Number(new URL(server.url).port);
    await server.stop();
    const banner = page.locator('#server-gone');
    await banner.waitFor({ state: 'visible' });
    assert.match(await banner.textContent() ?? '', /^The server has not answered since \d.*\. Everything below is what it said last; trying again every few seconds\.$/);
    await page.screenshot({ path: screenshotPath('status-page-server-gone') });
    server = await home.startServer(port);
    await banner.waitFor({ state: 'hidden', timeout: 30_000 });
    await page.locator('#live', { hasText: '(live)' }).waitFor();
    // The acknowledged alarm stays acknowledged after the restart; the other one is still active.
    assert.deepEqual(await page.locator('#alarms li').count(), 1);
    assert.match(await page.locator('#alarms li').textContent() ?? '', /media was quarantined/);
  });

  it('raised no script error', () => {
    assert.deepEqual(errors, []);
  });
});

describe('server/status-page: GET / and its files', () => {
  let home: TempHome;
  let server: EdgeServer;

  before(async () => {
    home = await new TempHome(PAGE_HOME).withSecrets();
    server = await home.startServer();
  });

  after(async () => {
    await server.stop();
    home.remove();
  });

  it('serves the page with a policy that allows no inline script and no framing', async () => {
    const page = await call(server.url, 'GET', '/');
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(page.headers.get('content-security-policy'), "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    assert.doesNotMatch(page.body, /<script(?![^>]*\ssrc=)[^>]*>|\son[a-z]+=/i, 'no inline script or handler');
    const script = await call(server.url, 'GET', '/page/main.js');
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
  });

  it('answers 404 for any other file', async () => {
    for (const path of ['/page/nothing.js', '/page/', '/page/..%2f..%2fpackage.json', '/page/status-page.js']) {
      assert.equal((await call(server.url, 'GET', path)).status, 404, path);
    }
  });
});
