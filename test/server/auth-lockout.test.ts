import { strict as assert } from 'node:assert';
import { call, LIFE_HOME_YAML, servedHome, waitFor, type Answer } from './server-fixture';

const LOCK = { target: 'front.lock', state: 'locked' };

/**
 * Issue 10, item 2, against a real `serve` process: an attacker on the home network, at its own loopback address
 * (127.0.0.2 and up), tries to shut the fire system and the operator out. The lockout allows 3 failures in a
 * minute and lasts 1 s, doubling at each further lockout.
 */
describe('server: lockouts count per source address (a real serve process)', () => {
  const served = servedHome(LIFE_HOME_YAML);

  const fire = (from?: string) => call(served.base, 'POST', '/api/systems/disaster/commands', { token: served.home.tokens.systems.disaster, body: LOCK, from });
  const events = async (type: string) =>
    (await call(served.base, 'GET', '/api/events?since=0&limit=10000', { token: served.home.tokens.operator })).body.filter((e: { event: { type: string } }) => e.event.type === type);

  it('keeps answering the fire system 200 while another address fails on its behalf without end', async () => {
    const attacker = '127.0.0.2';
    const attempts = [
      () => call(served.base, 'POST', '/api/systems/disaster/commands', { body: LOCK, from: attacker }),
      () => call(served.base, 'POST', '/api/operator/stop', { from: attacker }),
      () => call(served.base, 'POST', '/api/systems/disaster/commands', { token: 'not-the-token-' + Math.random(), body: LOCK, from: attacker }),
      () => call(served.base, 'POST', '/api/systems/disaster/commands', { token: served.home.tokens.systems.security, body: LOCK, from: attacker }),
      () => call(served.base, 'POST', '/api/operator/stop', { token: 'guess-' + Math.random(), from: attacker }),
    ];
    const seen = new Set<number>();
    let running = true;
    const attack = (async () => {
      for (let i = 0; running; i++) seen.add((await attempts[i % attempts.length]()).status);
    })();
    try {
      // The real token has never been verified yet: it is the attacker's failures, not its own, that must not count.
      for (let i = 0; i < 10; i++) assert.equal((await fire()).status, 200, `command ${i} of the fire system`);
      await waitFor('the attacker to be locked out', () => (seen.has(429) ? true : undefined));
      const operator = await call(served.base, 'POST', '/api/operator/resume', { token: served.home.tokens.operator });
      assert.equal(operator.status, 200, 'the operator is not shut out either');
      for (let i = 0; i < 5; i++) assert.equal((await fire()).status, 200, `command ${10 + i} of the fire system`);
    } finally {
      running = false;
      await attack;
    }
    assert.deepEqual([...seen].sort(), [401, 429], 'the attacker got 401s, then was backed off');
    const fromAttacker = await fire(attacker);
    assert.equal(fromAttacker.status, 200, 'a verified token is accepted even from the locked-out address');
    const lockouts = await events('auth-lockout');
    assert.ok(lockouts.length > 0);
    assert.ok(lockouts.every((e: { event: { source: string } }) => e.event.source === attacker), JSON.stringify(lockouts));
  });

  it('never counts requests without a credential: anonymous page loads do not shut the operator out', async () => {
    const browser = '127.0.0.3';
    for (let i = 0; i < 20; i++) {
      for (const path of ['/api/status', '/api/actuators', '/api/events?since=0']) {
        assert.equal((await call(served.base, 'GET', path, { from: browser })).status, 401, path);
      }
    }
    const session = await call(served.base, 'POST', '/api/session', { token: served.home.tokens.operator, from: browser });
    assert.equal(session.status, 204, JSON.stringify(session.body));
  });

  it('locks a guessing address out for twice as long each time', async () => {
    const attacker = '127.0.0.5';
    const guess = () => call(served.base, 'POST', '/api/operator/stop', { token: 'guess-' + Math.random(), from: attacker });
    const durations: number[] = [];
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 3; i++) assert.equal((await guess()).status, 401);
      const locked = await guess();
      assert.equal(locked.status, 429, 'the fourth guess is not checked');
      assert.ok(Number(locked.headers.get('retry-after')) >= 1);
      const lockout = (await events('auth-lockout')).filter((e: { event: { source: string } }) => e.event.source === attacker).at(-1);
      durations.push(lockout.event.until - lockout.wall);
      await waitFor('the lockout to end', () => (Date.now() > lockout.event.until + 10 ? true : undefined), 10_000);
    }
    assert.ok(durations[0] > 500 && durations[0] <= 1000, `first lockout ${durations[0]} ms`);
    assert.ok(durations[1] > 1500 && durations[1] <= 2000, `second lockout ${durations[1]} ms`);
  });
});

/** Issue 10, item 3: a burst of guesses at once, against a server whose lockout (1 minute) outlasts the burst. */
describe('server: guesses are reserved before scrypt runs (a real serve process)', () => {
  const served = servedHome();

  it('runs at most the lockout budget of scrypt checks for 1,000 parallel wrong tokens from one address', async () => {
    const attacker = '127.0.0.4';
    const burst = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => call(served.base, 'POST', '/api/systems/security/commands', { token: `guess-${i}-${'x'.repeat(30)}`, body: LOCK, from: attacker })),
    );
    const count = (status: number) => burst.filter((a: Answer) => a.status === status).length;
    // Each 401 "wrong" is an scrypt check that ran to the end; the rest were refused before any check.
    assert.ok(count(401) <= 3, `${count(401)} guesses were checked, the budget is 3`);
    assert.equal(count(401) + count(429), 1000);
    const logged = (await call(served.base, 'GET', '/api/events?since=0&limit=10000')).body.map((e: { event: Record<string, unknown> }) => e.event);
    const wrong = logged.filter((e: Record<string, unknown>) => e.type === 'auth-failure' && e.source === attacker && e.reason === 'wrong');
    assert.ok(wrong.length <= 3, `${wrong.length} wrong-token failures were logged`);
    const real = await call(served.base, 'POST', '/api/systems/security/commands', { token: served.home.tokens.systems.security, body: LOCK });
    assert.equal(real.status, 200, 'the credential itself is not locked');
  });
});
