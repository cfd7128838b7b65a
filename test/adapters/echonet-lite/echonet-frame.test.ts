import { strict as assert } from 'assert';
import fc from 'fast-check';
import { decodeFrame, isFrameFault, type EchonetFrame, type FrameFault } from '../../../adapters/echonet-lite/echonet-frame';

const frame = (hex: string) => decodeFrame(Buffer.from(hex.replace(/ /g, ''), 'hex'));

function fault(hex: string): FrameFault {
  const decoded = frame(hex);
  assert.ok(isFrameFault(decoded), `${hex} is malformed`);
  return decoded;
}

describe('echonet-lite adapter: frame codec', () => {
  it('decodes a Set_Res with its TID, objects and an empty EDT', () => {
    const decoded = frame('1081 1234 026501 05ff01 71 01 e0 00') as EchonetFrame;
    assert.deepEqual(
      { ...decoded, properties: decoded.properties.map((p) => [p.epc, p.edt.toString('hex')]) },
      { tid: 0x1234, seoj: '026501', deoj: '05ff01', esv: 0x71, properties: [['e0', '']] },
    );
  });

  it('decodes several properties of an INF', () => {
    const decoded = frame('1081 0001 013001 05ff01 73 02 80 01 30 b3 01 16') as EchonetFrame;
    assert.deepEqual(decoded.properties.map((p) => [p.epc, p.edt.toString('hex')]), [['80', '30'], ['b3', '16']]);
  });

  it('names the field of what is wrong', () => {
    assert.equal(fault('1081 0001 0265').field, 'length');
    assert.equal(fault('1082 0001 026501 05ff01 73 00').field, 'EHD2');
    assert.equal(fault('2081 0001 026501 05ff01 73 00').field, 'EHD1');
    const truncated = fault('1081 0001 026501 05ff01 73 02 e0 01 41');
    assert.deepEqual([truncated.field, truncated.seoj], ['OPC', '026501']);
    assert.equal(fault('1081 0001 026501 05ff01 73 01 e0 02 41').field, 'properties[0].PDC');
    assert.equal(fault('1081 0001 026501 05ff01 73 01 e0 01 41 ff').field, 'length');
  });

  it('reads any datagram as a frame or a named fault, never throwing', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const decoded = decodeFrame(Buffer.from(bytes));
        if (isFrameFault(decoded)) assert.ok(decoded.field.length > 0 && decoded.message.length > 0);
        else assert.equal(12 + decoded.properties.reduce((n, p) => n + 2 + p.edt.length, 0), bytes.length);
      }),
    );
  });

  it('decodes every well-formed frame into the properties it was built from', () => {
    const property = fc.record({ epc: fc.integer({ min: 0x80, max: 0xff }), edt: fc.uint8Array({ maxLength: 8 }) });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.array(property, { maxLength: 6 }), (tid, properties) => {
        const body = properties.flatMap((p) => [p.epc, p.edt.length, ...p.edt]);
        const bytes = Buffer.from([0x10, 0x81, tid >> 8, tid & 0xff, 0x02, 0x65, 0x01, 0x05, 0xff, 0x01, 0x73, properties.length, ...body]);
        const decoded = decodeFrame(bytes) as EchonetFrame;
        assert.equal(decoded.tid, tid);
        assert.deepEqual(
          decoded.properties.map((p) => [p.epc, [...p.edt]]),
          properties.map((p) => [p.epc.toString(16), [...p.edt]]),
        );
      }),
    );
  });
});
