import assert from 'node:assert/strict';
import { actuatorInputOf, factsOf, MessageError, operatorRequestOf, systemRequestOf } from '../../../nodes/lib/messages';

describe('node messages', function () {
  describe('systemRequestOf', function () {
    it('reads a command from the payload object, with its lease as a duration', function () {
      assert.deepEqual(systemRequestOf({ payload: { target: 'living.window', state: 'open', ttl: '1m30s', category: 'comfort' } }), {
        kind: 'command',
        target: 'living.window',
        state: 'open',
        ttl: 90_000,
        category: 'comfort',
      });
    });

    it('reads a command from topic and payload, with the node lease when the message gives none', function () {
      assert.deepEqual(systemRequestOf({ topic: 'factory.ac', payload: 24 }, 60_000), { kind: 'command', target: 'factory.ac', state: 24, ttl: 60_000 });
    });

    it('reads a release from msg.release', function () {
      assert.deepEqual(systemRequestOf({ topic: 'living.window', release: true }), { kind: 'release', target: 'living.window' });
      assert.deepEqual(systemRequestOf({ payload: { target: 'front.lock' }, release: true }), { kind: 'release', target: 'front.lock' });
    });

    it('names the missing or bad property', function () {
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ payload: 'open' }, /^msg\.topic: the target actuator is required/],
        [{ payload: { target: '', state: 'open' } }, /^msg\.payload\.target: /],
        [{ topic: 'living.window' }, /^msg\.payload: the state to claim is required/],
        [{ payload: { target: 'living.window', state: 'open', ttl: -5 } }, /^msg\.payload\.ttl: "-5" is not a duration/],
        [{ payload: { target: 'living.window', state: 'open', category: 7 } }, /^msg\.payload\.category: must be a category name/],
      ];
      for (const [msg, error] of cases) assert.throws(() => systemRequestOf(msg), (err: unknown) => err instanceof MessageError && error.test(err.message), JSON.stringify(msg));
    });
  });

  describe('actuatorInputOf', function () {
    it('takes the one watched actuator when the topic is absent, and availability before state', function () {
      assert.deepEqual(actuatorInputOf({ payload: 'closed' }, ['living.window']), { kind: 'report', target: 'living.window', state: 'closed' });
      assert.deepEqual(actuatorInputOf({ available: false, payload: 'closed' }, ['living.window']), { kind: 'availability', target: 'living.window', available: false });
    });

    it('needs a watched topic when the node watches several, and a boolean availability', function () {
      assert.deepEqual(actuatorInputOf({ topic: 'b', payload: 'on' }, ['a', 'b']), { kind: 'report', target: 'b', state: 'on' });
      assert.throws(() => actuatorInputOf({ payload: 'on' }, ['a', 'b']), /^MessageError: msg\.topic: is required: one of the actuators this node watches \(a, b\)$/);
      assert.throws(() => actuatorInputOf({ topic: 'c', payload: 'on' }, ['a', 'b']), /msg\.topic: "c" is not one of/);
      assert.throws(() => actuatorInputOf({ available: 'no' }, ['a']), /msg\.available: must be true or false/);
      assert.throws(() => actuatorInputOf({}, ['a']), /msg\.payload: the state a reports is required/);
    });
  });

  describe('factsOf', function () {
    it('reads one fact from topic and payload, several from an object', function () {
      assert.deepEqual(factsOf({ topic: 'smoke', payload: true }), { smoke: true });
      assert.deepEqual(factsOf({ payload: { rain: false, mode: 'away' } }), { rain: false, mode: 'away' });
      assert.throws(() => factsOf({ payload: 3 }), /msg\.topic: the fact name is required/);
    });
  });

  describe('operatorRequestOf', function () {
    it('lets the message override the configured action and subject', function () {
      assert.deepEqual(operatorRequestOf({}, { action: 'stop' }), { action: 'stop' });
      assert.deepEqual(operatorRequestOf({ topic: 'resume' }, { action: 'stop' }), { action: 'resume' });
      assert.deepEqual(operatorRequestOf({ payload: { action: 'lock', system: 'vent' } }, { action: 'stop', target: 'x' }), { action: 'lock', target: 'x', system: 'vent' });
    });

    it('refuses unknown actions and actions without their subject', function () {
      assert.throws(() => operatorRequestOf({}, {}), /^MessageError: action: "undefined" is not an operator action/);
      assert.throws(() => operatorRequestOf({ payload: { action: 'halt' } }, {}), /msg\.payload\.action: "halt"/);
      assert.throws(() => operatorRequestOf({ topic: 'unlock' }, {}), /unlock needs a target or a system/);
      assert.throws(() => operatorRequestOf({ topic: 'release' }, { target: 'living.window' }), /release needs the quarantined system/);
    });
  });
});
