import { hex } from './echonet-frame';

/**
 * Property maps 0x9D (status change announcement), 0x9E (Set) and 0x9F (Get) of a device object (Appendix,
 * "property map description format"): the first byte counts the properties; below 16 the EPCs follow, from 16 on a
 * 16-byte bitmap follows, where bit j of byte i stands for EPC 0x80 + 0x10 j + i.
 */
export const PROPERTY_MAP = { ANNOUNCE: '9d', SET: '9e', GET: '9f' } as const;

/** The EPCs (2 lower-case hex digits) the map lists, or a message saying what is wrong with it. */
export function decodePropertyMap(edt: Buffer): Set<string> | string {
  if (edt.length === 0) return 'empty EDT';
  const count = edt[0]!;
  if (count < 16) {
    if (edt.length !== 1 + count) return `announces ${count} properties in ${edt.length - 1} bytes`;
    return new Set([...edt.subarray(1)].map(hex));
  }
  if (edt.length !== 17) return `announces ${count} properties, which needs the 16-byte bitmap, but has ${edt.length - 1} bytes`;
  const epcs = new Set<string>();
  for (let i = 0; i < 16; i++) for (let j = 0; j < 8; j++) if (edt[1 + i]! & (1 << j)) epcs.add(hex(0x80 + 0x10 * j + i));
  if (epcs.size !== count) return `announces ${count} properties, the bitmap holds ${epcs.size}`;
  return epcs;
}
