import { strict as assert } from 'node:assert';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import type { EdgeServer } from '../../server/edge-server';
import { call, HOME_YAML, TempHome } from './server-fixture';

describe('server: auth.reads: operator', () => {
  let home: TempHome;
  let server: EdgeServer;
  let browser: Browser | undefined;

  beforeEach(async () => {
    home = await new TempHome(HOME_YAML.replace('auth: {', 'auth: { reads: operator,').replace('failures: 3', 'failures: 100')).withSecrets();
    server = await home.startServer();
  });

  afterEach(async () => {
    await browser?.close();
    browser = undefined;
    await server.stop();
    home.remove();
  });

  it('answers reads 401 without the operator token, and with a system token', async () => {
    for (const path of ['/api/actuators', '/api/actuators/front.lock', '/api/systems', '/api/status', '/api/events?since=0', '/metrics']) {
      assert.equal((await call(server.url, 'GET', path)).status, 401, path);
      assert.equal((await call(server.url, 'GET', path, { token: home.tokens.systems.security })).status, 401, path);
      assert.equal((await call(server.url, 'GET', path, { token: home.tokens.operator })).status, 200, path);
    }
    assert.equal((await call(server.url, 'GET', '/')).status, 200, 'the page itself holds no data');
  });

  it('trades the operator token for a session cookie that opens reads only', async () => {
    assert.equal((await call(server.url, 'POST', '/api/session', { token: home.tokens.systems.security })).status, 401);
    const session = await call(server.url, 'POST', '/api/session', { token: home.tokens.operator });
    assert.equal(session.status, 204);
    const cookie = session.headers.get('set-cookie')!;
    assert.match(cookie, /^home_arbiter_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    const headers = { cookie: cookie.split(';')[0] };
    assert.equal((await call(server.url, 'GET', '/api/actuators', { headers })).status, 200);
    const write = await call(server.url, 'POST', '/api/operator/stop', { headers });
    assert.equal(write.status, 401, 'the cookie does not authorize writes');
    assert.equal((await call(server.url, 'GET', '/api/actuators', { headers: { cookie: 'home_arbiter_session=forged' } })).status, 401);
  });

  it('signs the status page in with the operator token, then streams live', async () => {
    browser = await launchBrowser();
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    await page.locator('#login').waitFor();
    assert.equal(await page.locator('#actuators tbody tr').count(), 0);
    await page.fill('#token', 'not-the-token');
    await page.click('#login button');
    await page.locator('#login-error', { hasText: 'wrong token' }).waitFor();
    await page.fill('#token', home.tokens.operator);
    await page.click('#login button');
    await page.locator('#live', { hasText: '(live)' }).waitFor();
    assert.equal(await page.locator('#actuators tbody tr').count(), 3);
    await call(server.url, 'POST', '/api/systems/security/commands', { token: home.tokens.systems.security, body: { target: 'front.lock', state: 'locked' } });
    await page.locator('#actuators tr[data-id="front.lock"] td', { hasText: 'security' }).waitFor();
  });
});
