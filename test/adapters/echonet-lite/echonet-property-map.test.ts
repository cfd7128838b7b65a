import { strict as assert } from 'assert';
import { decodePropertyMap } from '../../../adapters/echonet-lite/echonet-property-map';

const map = (hexText: string) => decodePropertyMap(Buffer.from(hexText.replace(/ /g, ''), 'hex'));

describe('echonet-lite adapter: property maps (0x9D, 0x9E, 0x9F)', () => {
  it('reads a list of fewer than 16 EPCs', () => {
    assert.deepEqual(map('03 80 e0 88'), new Set(['80', 'e0', '88']));
  });

  it('reads the 16-byte bitmap of 16 or more EPCs (bit j of byte i is EPC 0x80 + 0x10 j + i)', () => {
    // 16 properties: 0x80 to 0x8F, bit 0 of every byte.
    assert.deepEqual(map(`10 ${'01'.repeat(16)}`), new Set(Array.from({ length: 16 }, (_, i) => (0x80 + i).toString(16))));
    // 0xE0 is bit 6 of byte 0, 0x9F bit 1 of byte 15; 14 more at 0x80..0x8D.
    const bytes = Array.from({ length: 16 }, (_, i) => (i < 14 ? 0x01 : 0x00));
    bytes[0]! |= 0x40;
    bytes[15]! |= 0x02;
    const decoded = decodePropertyMap(Buffer.from([16, ...bytes])) as Set<string>;
    assert.ok(decoded.has('e0') && decoded.has('9f') && decoded.has('8d') && !decoded.has('8e'));
  });

  it('names what is wrong with a malformed map', () => {
    assert.match(map('') as string, /empty/);
    assert.match(map('03 80 e0') as string, /3 properties in 2 bytes/);
    assert.match(map(`10 ${'01'.repeat(15)}`) as string, /16-byte bitmap/);
    assert.match(map(`11 ${'01'.repeat(16)}`) as string, /17 properties, the bitmap holds 16/);
  });
});
