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
  const logging = (message: string, level = 'error') => JSON.stringify({ level, message });

  // As zigbee2mqtt 2.14 publishes them (recorded from the real bridge in real-bridge.test.ts).
  const REFUSED_READ = `z2m: Publish 'get' 'tilt' to 'living blind' failed: 'Error: ZCL command 0x00124b0000000c03/1 closuresWindowCovering.read(["currentPositionTiltPercentage"], {"timeout":10000,"disableResponse":false,"disableRecovery":false,"disableDefaultResponse":true,"direction":0,"reservedBits":0,"writeUndiv":false}) failed (Status 'UNSUPPORTED_ATTRIBUTE')'`;
  const UNANSWERED_SET = `z2m: Publish 'set' 'state' to 'hall light' failed: 'Error: ZCL command 0x00124b0000000b01/1 genOnOff.off({}, {"timeout":10000,"disableResponse":false,"disableRecovery":false,"disableDefaultResponse":false,"direction":0,"reservedBits":0,"writeUndiv":false}) failed (Timeout after 10000ms [address=6913 endpoint=1 clusterId=6 cmdId=11 tsn=34])'`;

  it('tells a refusal (a ZCL status) from a command nobody answered', () => {
    const refused = parseFailedCommand(logging(REFUSED_READ));
    assert.deepEqual({ ...refused, error: undefined }, { type: 'get', property: 'tilt', name: 'living blind', refused: true, error: undefined });
    const silent = parseFailedCommand(logging(UNANSWERED_SET));
    assert.deepEqual([silent?.type, silent?.property, silent?.name, silent?.refused], ['set', 'state', 'hall light', false]);
  });

  it('reads the message without the namespace too (zigbee2mqtt 1.x)', () => {
    const old = parseFailedCommand(logging(REFUSED_READ.slice('z2m: '.length)));
    assert.deepEqual([old?.type, old?.name, old?.refused], ['get', 'living blind', true]);
  });

  it('ignores every other line', () => {
    assert.equal(parseFailedCommand(logging(UNANSWERED_SET, 'info')), undefined);
    assert.equal(parseFailedCommand(logging("z2m:mqtt: MQTT publish: topic 'zigbee2mqtt/hall light', payload '{}'")), undefined);
    assert.equal(parseFailedCommand('not json'), undefined);
  });
});
