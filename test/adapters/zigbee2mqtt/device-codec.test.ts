import { strict as assert } from 'node:assert';
import { codecFor, decodeState, encodeState, type DeviceCodec } from '../../../adapters/zigbee2mqtt';

function codec(kind: string, options?: unknown): DeviceCodec {
  const c = codecFor(kind, options);
  if ('error' in c) throw new Error(c.error);
  return c;
}

describe('zigbee2mqtt adapter: device codec', () => {
  it('maps SPEC.md kinds onto zigbee2mqtt set payloads', () => {
    assert.deepEqual(encodeState(codec('lock'), 'unlocked'), { state: 'UNLOCK' });
    assert.deepEqual(encodeState(codec('window'), 'closed'), { state: 'CLOSE' });
    assert.deepEqual(encodeState(codec('light'), 'on'), { state: 'ON' });
    assert.deepEqual(encodeState(codec('valve'), 'open'), { state: 'ON' });
    assert.deepEqual(encodeState(codec('blind', { property: 'position' }), 40), { position: 40 });
  });

  it('has no payload for a state the device cannot take', () => {
    assert.equal(encodeState(codec('lock'), 'open'), undefined);
    assert.equal(encodeState(codec('blind', { property: 'position' }), 'open'), undefined);
  });

  it('reads a numeric property given as a plain decimal numeral, and names the field of any other text (SPEC.md §1)', () => {
    const blind = codec('blind', { property: 'position' });
    assert.deepEqual(decodeState(blind, { position: 40 }), { state: 40 });
    assert.deepEqual(decodeState(blind, { position: '40.5' }), { state: 40.5 });
    for (const text of ['0x28', '4e1', ' 40 ']) {
      assert.equal(decodeState(blind, { position: text }).problem?.field, 'position', `"${text}" is not a number`);
    }
  });

  it('reads a lock from lock_state first, and from state when lock_state is absent', () => {
    assert.deepEqual(decodeState(codec('lock'), { state: 'UNLOCK', lock_state: 'locked' }), { state: 'locked' });
    assert.deepEqual(decodeState(codec('lock'), { state: 'UNLOCK' }), { state: 'unlocked' });
    assert.deepEqual(decodeState(codec('lock'), { state: 'UNLOCK', lock_state: 'not_fully_locked' }), {});
  });

  it('says nothing about a message without the property, and names the field of a bad value', () => {
    assert.deepEqual(decodeState(codec('window'), { linkquality: 80 }), {});
    assert.deepEqual(decodeState(codec('window'), { state: 'STOP' }).problem?.field, 'state');
    assert.deepEqual(decodeState(codec('blind', { property: 'position' }), { position: 'forty' }).problem?.field, 'position');
    assert.deepEqual(decodeState(codec('blind', { property: 'position' }), { position: 40, state: 'OPEN' }), { state: 40 });
  });

  it('takes custom values for kinds it does not know', () => {
    const fan = codec('fan', { property: 'fan_mode', values: { low: 'low', high: 'high' } });
    assert.deepEqual(encodeState(fan, 'high'), { fan_mode: 'high' });
    assert.deepEqual(decodeState(fan, { fan_mode: 'low' }), { state: 'low' });
  });

  it('explains a kind without a mapping and a malformed option', () => {
    assert.match((codecFor('fan', undefined) as { error: string }).error, /kind "fan"/);
    assert.match((codecFor('lock', { property: 7 }) as { error: string }).error, /^options\.property/);
  });
});
