import { strict as assert } from 'assert';
import { KIND_STATES } from '../../../engine/core/actuator';
import { ECHONET_KINDS, profileFor, type EchonetProfile } from '../../../adapters/echonet-lite/echonet-profile';

describe('echonet-lite adapter: class profiles', () => {
  it('encodes every state of every supported kind (SPEC.md §1) and decodes it back', () => {
    for (const kind of ECHONET_KINDS) {
      const profile = profileFor(kind) as EchonetProfile;
      const edts = KIND_STATES[kind]!.map((state) => {
        const edt = profile.encode(state);
        assert.ok(edt, `${kind} ${state} has an EDT`);
        assert.equal(profile.decode(edt), state, `${kind} ${state} round trip`);
        return edt.toString('hex');
      });
      assert.equal(new Set(edts).size, edts.length, `${kind}: one EDT per state`);
    }
  });

  it('maps states onto the class codes and EDTs of the ECHONET Lite device objects', () => {
    const table = (kind: string, property?: string) => {
      const p = profileFor(kind, property) as EchonetProfile;
      return `${p.classCodes.join('|')}:${p.epc}`;
    };
    assert.deepEqual(
      ['shutter', 'blind', 'window', 'lock', 'ac', 'light', 'av'].map((k) => table(k)),
      ['0261|0263:e0', '0260:e0', '0265:e0', '026f:e0', '0130:80', '0290:80', '0602:80'],
    );
    assert.equal(table('ac', 'setpoint'), '0130:b3');
    const window = profileFor('window') as EchonetProfile;
    assert.equal(window.encode('open')!.toString('hex'), '41');
    assert.equal(window.encode('closed')!.toString('hex'), '42');
    assert.equal(window.decode(Buffer.from([0x43])), undefined, '0x43 (stop) is no state of ours');
    const lock = profileFor('lock') as EchonetProfile;
    assert.equal(lock.encode('locked')!.toString('hex'), '41');
    const light = profileFor('light') as EchonetProfile;
    assert.equal(light.encode('on')!.toString('hex'), '30');
    assert.equal(light.encode('off')!.toString('hex'), '31');
  });

  it('writes an AC set-point as one byte of whole degrees from 0 to 50 (EPC 0xB3)', () => {
    const setpoint = profileFor('ac', 'setpoint') as EchonetProfile;
    assert.equal(setpoint.encode(22)!.toString('hex'), '16');
    assert.equal(setpoint.decode(Buffer.from([0x16])), 22);
    for (const bad of [51, -1, 21.5, 'on']) assert.equal(setpoint.encode(bad), undefined, `${bad} has no EDT`);
    assert.equal(setpoint.decode(Buffer.from([51])), undefined);
  });
});
