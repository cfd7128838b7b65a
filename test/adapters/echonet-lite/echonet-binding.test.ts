import { strict as assert } from 'assert';
import { KIND_STATES } from '../../../engine/core/actuator';
import { DeviceError, type ActuatorBinding } from '../../../adapters/device-adapter';
import { parseBinding } from '../../../adapters/echonet-lite/echonet-binding';
import { EchonetLiteAdapter } from '../../../adapters/echonet-lite/echonet-lite-adapter';
import { ECHONET_KINDS, profileFor, type EchonetProfile } from '../../../adapters/echonet-lite/echonet-profile';

const binding = (over: Partial<ActuatorBinding>): ActuatorBinding => ({
  actuatorId: 'living.window',
  kind: 'window',
  adapter: 'echonet-lite',
  address: '192.168.1.20/026501',
  ...over,
});

function rejectsWith(over: Partial<ActuatorBinding>, field: string, pattern: RegExp): void {
  assert.throws(
    () => parseBinding(binding(over), 3000),
    (err: DeviceError) => {
      assert.ok(err instanceof DeviceError);
      assert.equal(err.actuatorId, over.actuatorId ?? 'living.window');
      assert.ok(err.message.includes(`: ${field}: `), `"${err.message}" names ${field}`);
      assert.match(err.message, pattern);
      return true;
    },
  );
}

describe('echonet-lite adapter: bindings and class profiles', () => {
  it('reads <IPv4>/<EOJ> addresses, hex in any case', () => {
    const parsed = parseBinding(binding({ address: ' 192.168.1.20/02650A ' }), 3000);
    assert.deepEqual(parsed.address, { ip: '192.168.1.20', eoj: '02650a' });
    assert.equal(parsed.timeout, 3000);
  });

  it('rejects malformed addresses naming the actuator and device.address', () => {
    rejectsWith({ address: '192.168.1.20' }, 'device.address', /<IPv4>\/<EOJ as 6 hex digits>/);
    rejectsWith({ address: '192.168.1.300/026501' }, 'device.address', /not an IPv4 address/);
    rejectsWith({ address: '192.168.1.20/0ef001' }, 'device.address', /node profile/);
  });

  it('rejects an EOJ of another class than the kind needs', () => {
    rejectsWith({ kind: 'lock', actuatorId: 'front.lock' }, 'device.address', /class 0x0265, but kind lock needs class 0x026f/);
  });

  it('rejects kinds without an ECHONET Lite class, unknown options and bad timeouts', () => {
    rejectsWith({ kind: 'valve' }, 'kind', /supported: .*window/);
    rejectsWith({ options: { speed: 2 } }, 'device.options.speed', /unknown option/);
    rejectsWith({ options: { timeout: -1 } }, 'device.options.timeout', /positive/);
    rejectsWith({ kind: 'window', options: { property: 'setpoint' } }, 'device.options.property', /not a property of kind window/);
  });

  it('rejects bad bindings at start, before opening any socket', async () => {
    const adapter = new EchonetLiteAdapter();
    await assert.rejects(adapter.start([binding({ address: 'nowhere' })]), /living\.window: device\.address/);
    await assert.rejects(adapter.start([binding({}), binding({ actuatorId: 'other.window' })]), /other\.window: device\.address: .*already bound to living\.window/);
    await adapter.stop();
  });

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
      return `${p.classCode}:${p.epc}`;
    };
    assert.deepEqual(
      ['shutter', 'blind', 'window', 'lock', 'ac', 'light', 'av'].map((k) => table(k)),
      ['0263:e0', '0260:e0', '0265:e0', '026f:e0', '0130:80', '0290:80', '0602:80'],
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
