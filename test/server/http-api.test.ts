import { strict as assert } from 'node:assert';
import type { EdgeServer } from '../../server/edge-server';
import { call, TempHome } from './server-fixture';

describe('server/http-api: the JSON API on a real server on 127.0.0.1', () => {
  let home: TempHome;
  let server: EdgeServer;
  let base: string;

  beforeEach(async () => {
    home = await new TempHome().withSecrets();
    server = await home.startServer();
    base = server.url;
    assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  afterEach(async () => {
    await server.stop();
    home.remove();
  });

  const as = (system: string) => home.tokens.systems[system];

  it('accepts a command, then defers a lower claim and says who wins and why', async () => {
    const first = await call(base, 'POST', '/api/systems/security/commands', { token: as('security'), body: { target: 'living.window', state: 'closed' } });
    assert.equal(first.status, 200);
    assert.deepEqual(first.body, { outcome: 'accepted' });
    const second = await call(base, 'POST', '/api/systems/comfort-vent/commands', { token: as('comfort-vent'), body: { target: 'living.window', state: 'open', ttl: '10m' } });
    assert.equal(second.status, 200);
    assert.equal(second.body.outcome, 'deferred');
    assert.equal(second.body.winner, 'security');
    assert.match(second.body.reason, /comfort is below property/);

    const window = await call(base, 'GET', '/api/actuators/living.window');
    assert.equal(window.body.owner, 'security');
    const comfort = window.body.claims.find((c: { claimant: string }) => c.claimant === 'comfort-vent');
    assert.equal(comfort.verdict, 'deferred');
    assert.equal(comfort.category, 'comfort');
    assert.equal(comfort.expiresAt - comfort.since, 600_000);
  });

  it('gives the deferred claim the actuator when the winner releases its claim', async () => {
    await call(base, 'POST', '/api/systems/security/commands', { token: as('security'), body: { target: 'living.window', state: 'closed' } });
    await call(base, 'POST', '/api/systems/comfort-vent/commands', { token: as('comfort-vent'), body: { target: 'living.window', state: 'open' } });
    const released = await call(base, 'DELETE', '/api/systems/security/claims/living.window', { token: as('security') });
    assert.equal(released.status, 204);
    const window = await call(base, 'GET', '/api/actuators/living.window');
    assert.equal(window.body.owner, 'comfort-vent');
    assert.equal(window.body.desired, 'open');
  });

  it('returns the static check of its configuration (SPEC.md §11) at GET /api/check', async () => {
    const answer = await call(base, 'GET', '/api/check');
    assert.equal(answer.status, 200);
    const lock = answer.body.findings.find((f: { kind: string; targets: string[] }) => f.kind === 'manual-overridden' && f.targets[0] === 'front.lock');
    assert.deepEqual(lock.claimants, ['manual', 'policy:fire-evacuation', 'security']);
    assert.deepEqual(lock.witness, { facts: { smoke: false } });
    assert.equal(answer.body.counts.warning, answer.body.findings.filter((f: { severity: string }) => f.severity === 'warning').length);
    assert.equal(answer.body.counts.error, 0);
  });

  it('answers a denied command 409 with the reason', async () => {
    const denied = await call(base, 'POST', '/api/systems/comfort-vent/commands', { token: as('comfort-vent'), body: { target: 'front.lock', state: 'locked' } });
    assert.equal(denied.status, 409);
    assert.deepEqual(denied.body, { outcome: 'denied', reason: 'unauthorized' });
  });

  it('answers 401 without a token and with another system\'s token, and counts the failures', async () => {
    const none = await call(base, 'POST', '/api/systems/security/commands', { body: { target: 'front.lock', state: 'locked' } });
    assert.equal(none.status, 401);
    assert.match(none.body.error, /missing Authorization/);
    const wrong = await call(base, 'POST', '/api/systems/security/commands', { token: as('comfort-vent'), body: { target: 'front.lock', state: 'locked' } });
    assert.equal(wrong.status, 401);
    assert.match(wrong.body.error, /wrong secret for system:security/);
    const metrics = await call(base, 'GET', '/metrics');
    assert.match(metrics.body, /home_arbiter_auth_failures_total\{credential="system:security",reason="missing"\} 1/);
    assert.match(metrics.body, /home_arbiter_auth_failures_total\{credential="system:security",reason="wrong"\} 1/);
    const lock = await call(base, 'GET', '/api/actuators/front.lock');
    assert.equal(lock.body.claims.length, 0, 'a rejected command records no claim');
  });

  it('backs an address off after repeated wrong tokens, yet accepts a token it has already verified', async () => {
    const command = (system: string, token: string) => call(base, 'POST', `/api/systems/${system}/commands`, { token, body: { target: 'living.window', state: 'closed' } });
    assert.equal((await command('security', as('security'))).status, 200);
    for (let i = 0; i < 3; i++) assert.equal((await command('security', 'guess-' + i)).status, 401);
    const locked = await command('comfort-vent', as('comfort-vent'));
    assert.equal(locked.status, 429, 'a token not yet verified is not checked from a locked-out address');
    assert.ok(Number(locked.headers.get('retry-after')) > 0);
    assert.equal((await command('security', as('security'))).status, 200, 'a verified token is never refused');
    const history = await call(base, 'GET', '/api/events?since=0');
    const lockout = history.body.find((e: { event: { type: string } }) => e.event.type === 'auth-lockout');
    assert.deepEqual({ ...lockout.event, at: 0, until: 0 }, { type: 'auth-lockout', at: 0, source: '127.0.0.1', credential: 'system:security', until: 0 });
  });

  it('answers malformed bodies 400 naming the field', async () => {
    const post = (body: unknown, raw?: string) => call(base, 'POST', '/api/systems/security/commands', { token: as('security'), body, raw });
    const cases: [unknown, string | undefined, string][] = [
      [{ target: 'front.lock' }, undefined, 'state'],
      [{ target: 'front.lock', stat: 'locked', state: 'locked' }, undefined, 'stat'],
      [{ target: 'front.lock', state: { nested: true } }, undefined, 'state'],
      [{ target: 'front.lock', state: 'locked', ttl: 'soon' }, undefined, 'ttl'],
      [{ target: 'front.lock', state: 'locked', category: 'urgent' }, undefined, 'category'],
      [{ target: '', state: 'locked' }, undefined, 'target'],
      [undefined, '{"target": "front.lock", ', '(body)'],
      [undefined, '[1, 2]', '(body)'],
    ];
    for (const [body, raw, field] of cases) {
      const answer = await post(body, raw);
      assert.equal(answer.status, 400, `${raw ?? JSON.stringify(body)} should be a 400`);
      assert.equal(answer.body.field, field, `${raw ?? JSON.stringify(body)}: ${answer.body.error}`);
      assert.ok(answer.body.error.startsWith(field), answer.body.error);
    }
    const fact = await call(base, 'PUT', '/api/facts/smoke', { token: home.tokens.operator, body: {} });
    assert.equal(fact.status, 400);
    assert.equal(fact.body.field, 'value');
  });

  it('sets facts with the operator token: the fire policy takes the lock at life priority', async () => {
    await call(base, 'POST', '/api/systems/security/commands', { token: as('security'), body: { target: 'front.lock', state: 'locked' } });
    const asSystem = await call(base, 'PUT', '/api/facts/smoke', { token: as('comfort-vent'), body: { value: true } });
    assert.equal(asSystem.status, 401, 'a system token is not the operator token');
    const fact = await call(base, 'PUT', '/api/facts/smoke', { token: home.tokens.operator, body: { value: true } });
    assert.equal(fact.status, 200);
    assert.equal(fact.body.value, true);
    const lock = await call(base, 'GET', '/api/actuators/front.lock');
    assert.equal(lock.body.owner, 'policy:fire-evacuation');
    assert.equal(lock.body.desired, 'unlocked');
  });

  it('takes a fact from a system named by X-System-Id with its own token only if the fact lists it as a writer', async () => {
    const headers = { 'x-system-id': 'security' };
    const wrong = await call(base, 'PUT', '/api/facts/smoke', { token: as('comfort-vent'), headers, body: { value: true } });
    assert.equal(wrong.status, 401);
    const notWriter = await call(base, 'PUT', '/api/facts/smoke', { token: as('security'), headers, body: { value: true } });
    assert.equal(notWriter.status, 403, 'smoke declares no writers: only sensors and the operator set it');
    assert.equal(notWriter.body.field, 'name');
    assert.notEqual((await call(base, 'GET', '/api/actuators/front.lock')).body.owner, 'policy:fire-evacuation');
  });

  it('runs operator actions with the operator token only', async () => {
    const bySystem = await call(base, 'POST', '/api/operator/stop', { token: as('security') });
    assert.equal(bySystem.status, 401);
    const stop = await call(base, 'POST', '/api/operator/stop', { token: home.tokens.operator });
    assert.equal(stop.status, 200);
    assert.equal(stop.body.stopped, true);
    const denied = await call(base, 'POST', '/api/systems/security/commands', { token: as('security'), body: { target: 'front.lock', state: 'locked' } });
    assert.deepEqual(denied.body, { outcome: 'denied', reason: 'stopped' });
    const badLock = await call(base, 'POST', '/api/operator/lock', { token: home.tokens.operator, body: { target: 'no.such' } });
    assert.equal(badLock.status, 400);
    assert.equal(badLock.body.field, 'target');
    const resume = await call(base, 'POST', '/api/operator/resume', { token: home.tokens.operator });
    assert.equal(resume.body.stopped, false);
  });

  it('lists systems with their rights and last command', async () => {
    await call(base, 'POST', '/api/systems/comfort-vent/commands', { token: as('comfort-vent'), body: { target: 'living.window', state: 'open' } });
    const systems = await call(base, 'GET', '/api/systems');
    const comfort = systems.body.find((s: { id: string }) => s.id === 'comfort-vent');
    assert.deepEqual({ ...comfort, lastCommand: { ...comfort.lastCommand, wall: 0 } }, {
      id: 'comfort-vent',
      category: 'comfort',
      rank: 0,
      targets: ['kind:window'],
      quarantined: false,
      lastCommand: { target: 'living.window', state: 'open', outcome: 'accepted', wall: 0 },
    });
  });

  it('answers 404 for unknown resources and 405 for the wrong method', async () => {
    assert.equal((await call(base, 'GET', '/api/actuators/no.such')).status, 404);
    assert.equal((await call(base, 'GET', '/api/nothing')).status, 404);
    const wrong = await call(base, 'GET', '/api/systems/security/commands');
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'POST');
  });

  it('serves Prometheus metrics prefixed home_arbiter_, with conflicts by pair', async () => {
    await call(base, 'POST', '/api/systems/comfort-vent/commands', { token: as('comfort-vent'), body: { target: 'living.window', state: 'open' } });
    await call(base, 'POST', '/api/systems/security/commands', { token: as('security'), body: { target: 'living.window', state: 'closed' } });
    const metrics = await call(base, 'GET', '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.body, /home_arbiter_conflicts_total\{winner="security",loser="comfort-vent"\} 1/);
    assert.match(metrics.body, /home_arbiter_decisions_total\{type="dispatched"\} \d+/);
    assert.match(metrics.body, /home_arbiter_dispatch_latency_seconds_count\{adapter="virtual"\} [1-9]/);
    assert.match(metrics.body, /home_arbiter_adapter_available\{actuator="living.window",adapter="virtual"\} 1/);
  });
});
