import { strict as assert } from 'node:assert';
import { call, LIFE_HOME_YAML, servedHome } from './server-fixture';

/**
 * Issue 10, item 1, against a real `serve` process: control systems that write facts they do not own (the smoke
 * fact that unlocks the front door at life priority, the rain sensor's reading) or that make facts up.
 */
describe('server: facts have owners (a real serve process)', () => {
  const served = servedHome(LIFE_HOME_YAML);

  const operator = () => ({ token: served.home.tokens.operator });
  const asSystem = (id: string) => ({ token: served.home.tokens.systems[id], headers: { 'x-system-id': id } });
  const put = (name: string, value: unknown, as: { token: string; headers?: Record<string, string> }) => call(served.base, 'PUT', `/api/facts/${name}`, { ...as, body: { value } });
  const events = async (type: string) =>
    (await call(served.base, 'GET', '/api/events?since=0&limit=10000', operator())).body.map((e: { event: Record<string, unknown> }) => e.event).filter((e: Record<string, unknown>) => e.type === type);
  const lock = async () => (await call(served.base, 'GET', '/api/actuators/front.lock', operator())).body;

  it('refuses comfort ventilation faking a fire with its own token: 403 naming the fact, the door stays as it was', async () => {
    assert.equal((await call(served.base, 'POST', '/api/systems/security/commands', { token: served.home.tokens.systems.security, body: { target: 'front.lock', state: 'locked' } })).status, 200);
    for (const system of ['comfort-vent', 'security']) {
      const faked = await put('smoke', true, asSystem(system));
      assert.equal(faked.status, 403, `${system}: ${JSON.stringify(faked.body)}`);
      assert.equal(faked.body.field, 'name');
      assert.match(faked.body.error, new RegExp(`^name: ${system} is not among the writers of fact "smoke"`));
    }
    const kept = await put('rain', false, asSystem('comfort-vent'));
    assert.equal(kept.status, 403, 'no system keeps the rain sensor fresh');
    const door = await lock();
    assert.equal(door.owner, 'security');
    assert.equal(door.desired, 'locked');
    const denied = await events('denied');
    assert.deepEqual(
      denied.filter((e: Record<string, unknown>) => e.fact !== undefined).map((e: Record<string, unknown>) => [e.system, e.fact, e.reason]),
      [['comfort-vent', 'smoke', 'unauthorized'], ['security', 'smoke', 'unauthorized'], ['comfort-vent', 'rain', 'unauthorized']],
    );
  });

  it('takes the fact from its writer and from the operator, and logs who wrote it', async () => {
    const fire = await put('smoke', true, asSystem('disaster'));
    assert.equal(fire.status, 200, JSON.stringify(fire.body));
    assert.equal(fire.body.value, true);
    assert.equal((await lock()).owner, 'policy:fire-evacuation');
    assert.equal((await put('smoke', false, operator())).status, 200);
    const written = (await events('fact')).filter((e: Record<string, unknown>) => e.name === 'smoke').slice(-2);
    assert.deepEqual(
      written.map((e: Record<string, unknown>) => [e.value, e.source, e.by]),
      [[true, 'system', 'disaster'], [false, 'operator', undefined]],
    );
  });

  it('answers a fact nobody declared 404 naming it, and keeps it out of the facts', async () => {
    for (const as of [operator(), asSystem('comfort-vent')]) {
      const made = await put('party-mode', true, as);
      assert.equal(made.status, 404);
      assert.equal(made.body.field, 'name');
      assert.match(made.body.error, /"party-mode" is not a declared fact/);
    }
    const facts = (await call(served.base, 'GET', '/api/status', operator())).body.facts.map((f: { name: string }) => f.name);
    assert.ok(!facts.includes('party-mode'), facts.join(', '));
  });

  it('bounds a fact\'s value (4 KiB as JSON, 16 levels), answering 400 naming it, and carries on', async () => {
    // The attack: a value nested 4,200 levels deep, 8 KB of JSON.
    const deep = `{"value": ${'['.repeat(4200)}true${']'.repeat(4200)}}`;
    const cases: [string, string][] = [
      [JSON.stringify({ value: 'x'.repeat(4100) }), 'more than 4096'],
      [JSON.stringify({ value: Array.from({ length: 17 }).reduce<unknown>((v) => ({ v }), 1) }), 'more than 16 levels'],
      [deep, 'more than 16 levels'],
    ];
    const smoke = async () => (await call(served.base, 'GET', '/api/status', operator())).body.facts.find((f: { name: string }) => f.name === 'smoke');
    const before = await smoke();
    for (const [raw, why] of cases) {
      const answer = await call(served.base, 'PUT', '/api/facts/smoke', { ...operator(), raw });
      assert.equal(answer.status, 400, JSON.stringify(answer.body).slice(0, 200));
      assert.equal(answer.body.field, 'value');
      assert.match(answer.body.error, new RegExp(`^value: .*${why}`));
    }
    assert.deepEqual(await smoke(), before, 'the server answers as before, and the fact did not change');
    assert.equal((await put('smoke', { level: 'low', sensors: ['hall', 'kitchen'] }, operator())).status, 200, 'a reasonable value still goes through');
  });
});
