import { strict as assert } from 'assert';
import { DeviceError, type ActuatorBinding } from '../../../adapters/device-adapter';
import { parseBinding } from '../../../adapters/echonet-lite/echonet-binding';
import { EchonetLiteAdapter } from '../../../adapters/echonet-lite/echonet-lite-adapter';

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

describe('echonet-lite adapter: bindings', () => {
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

  it('binds a shutter to an electrically operated shutter (0x0261) as well as a rain sliding door/shutter (0x0263)', () => {
    for (const eoj of ['026101', '026301']) {
      const parsed = parseBinding(binding({ actuatorId: 'living.shutter', kind: 'shutter', address: `192.168.1.21/${eoj}` }), 3000);
      assert.equal(parsed.address.eoj, eoj);
    }
    rejectsWith({ actuatorId: 'living.shutter', kind: 'shutter', address: '192.168.1.21/026201' }, 'device.address', /class 0x0262, but kind shutter needs class 0x0261 or 0x0263/);
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
});
