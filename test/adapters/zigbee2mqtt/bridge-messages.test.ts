import { strict as assert } from 'node:assert';
import { classifyTopic, parseFailedCommand, parseOnline, parseStateObject } from '../../../adapters/zigbee2mqtt';

describe('zigbee2mqtt adapter: bridge topics and payloads', () => {
  it('reads the topic layout from its ends, so friendly names may contain slashes', () => {
    assert.deepEqual(classifyTopic('zigbee2mqtt', 'zigbee2mqtt/bridge/state'), { kind: 'bridge-state' });
    assert.deepEqual(classifyTopic('zigbee2mqtt', 'zigbee2mqtt/kitchen/floor light'), { kind: 'state', name: 'kitchen/floor light' });
    assert.deepEqual(classifyTopic('zigbee2mqtt', 'zigbee2mqtt/kitchen/floor light/availability'), { kind: 'availability', name: 'kitchen/floor light' });
  });

  it('ignores bridge topics, commands and other base topics', () => {
    for (const topic of ['zigbee2mqtt/bridge/devices', 'zigbee2mqtt/door/set', 'zigbee2mqtt/door/set/state', 'zigbee2mqtt/door/get', 'home/door']) {
      assert.deepEqual(classifyTopic('zigbee2mqtt', topic), { kind: 'other' }, topic);
    }
  });

  it('reads availability as JSON and in the legacy plain form', () => {
    assert.equal(parseOnline('{"state":"online"}'), true);
    assert.equal(parseOnline('{"state":"offline"}'), false);
    assert.equal(parseOnline('offline'), false);
    assert.match((parseOnline('{"state":1}') as { error: string }).error, /^state:/);
    assert.match((parseOnline('maybe') as { error: string }).error, /not JSON/);
  });

  it('takes only JSON objects as device state, and keeps a long bad payload short in the message', () => {
    assert.deepEqual(parseStateObject('{"error":"x"}'), { ok: true, value: { error: 'x' } });
    assert.equal(parseStateObject('null').ok, false);
    const long = parseStateObject('x'.repeat(500));
    assert.ok(!long.ok && long.error.length < 120, JSON.stringify(long));
  });
});

describe('zigbee2mqtt adapter: failed commands on bridge/logging', () => {
  const logging = (message: string, level = 'error') => JSON.stringify({ level, message, namespace: 'z2m' });

  it('tells a refusal (a ZCL status) from a command nobody answered', () => {
    const refused = parseFailedCommand(logging(`Publish 'set' 'state' to 'front door' failed: 'Error: ZCL command 0x00124b0000000a01/1 closuresDoorLock.lockDoor({}, {"timeout":10000}) failed (Status 'FAILURE')'`));
    assert.deepEqual({ ...refused, error: undefined }, { type: 'set', property: 'state', name: 'front door', refused: true, error: undefined });
    const silent = parseFailedCommand(logging(`Publish 'get' 'state' to 'living/window' failed: 'Error: ZCL command 0x00124b0000000c01/1 closuresWindowCovering.read(["currentPositionLiftPercentage"]) failed (Timeout - 7169 - 1 - 9 - 258 - 1 after 10000ms)'`));
    assert.deepEqual([silent?.type, silent?.name, silent?.refused], ['get', 'living/window', false]);
  });

  it('ignores every other line', () => {
    assert.equal(parseFailedCommand(logging(`Publish 'set' 'state' to 'x' failed: 'e'`, 'info')), undefined);
    assert.equal(parseFailedCommand(logging('MQTT publish: topic ...')), undefined);
    assert.equal(parseFailedCommand('not json'), undefined);
  });
});
