/**
 * ECHONET Lite frames in the specified message format (EHD 0x1081; spec. part II §3.2): the pure codec the
 * adapter uses to read every datagram itself, because the `echonet-lite` package drops short frames silently
 * and parses truncated ones into NaN-filled strings.
 */
export interface EchonetProperty {
  /** 2 lower-case hex digits. */
  readonly epc: string;
  readonly edt: Buffer;
}

export interface EchonetFrame {
  readonly tid: number;
  /** 6 lower-case hex digits. */
  readonly seoj: string;
  readonly deoj: string;
  readonly esv: number;
  readonly properties: readonly EchonetProperty[];
}

/** What is wrong with a datagram: the field (`EHD`, `OPC`, `properties[1].PDC`...) and why. */
export interface FrameFault {
  readonly field: string;
  readonly message: string;
  /** The sender's object when the header was readable. */
  readonly seoj?: string;
}

/** Service codes (ESV) the adapter sends or reads (spec. part II §3.2.5). */
export const ESV = {
  SETI_SNA: 0x50,
  SETC_SNA: 0x51,
  GET_SNA: 0x52,
  SETC: 0x61,
  GET: 0x62,
  SET_RES: 0x71,
  GET_RES: 0x72,
  INF: 0x73,
  INFC: 0x74,
} as const;

const HEADER = 12; // EHD1 EHD2 TID(2) SEOJ(3) DEOJ(3) ESV OPC

/**
 * 0x50 to 0x5F are the "not possible" answers (SetI_SNA, SetC_SNA, Get_SNA, INF_SNA, SetGet_SNA; spec. part II
 * §3.2.5): whichever of them a device uses, an answer carrying our request's TID refuses that request.
 */
export function isRefusal(esv: number): boolean {
  return esv >= 0x50 && esv <= 0x5f;
}

/** The bytes of a frame in the specified message format; a Get's properties carry empty EDTs. */
export function encodeFrame(frame: EchonetFrame): Buffer {
  const body = frame.properties.flatMap(({ epc, edt }) => [parseInt(epc, 16), edt.length, ...edt]);
  const head = [0x10, 0x81, frame.tid >> 8, frame.tid & 0xff, ...Buffer.from(frame.seoj, 'hex'), ...Buffer.from(frame.deoj, 'hex'), frame.esv, frame.properties.length];
  return Buffer.from([...head, ...body]);
}

export function decodeFrame(bytes: Buffer): EchonetFrame | FrameFault {
  if (bytes.length < HEADER) return { field: 'length', message: `${bytes.length} bytes, shorter than the 12-byte header` };
  if (bytes[0] !== 0x10) return { field: 'EHD1', message: `0x${hex(bytes[0]!)} is not ECHONET Lite (0x10)` };
  if (bytes[1] !== 0x81) return { field: 'EHD2', message: `0x${hex(bytes[1]!)} is not the specified message format (0x81)` };
  const seoj = bytes.subarray(4, 7).toString('hex');
  const opc = bytes[11]!;
  const properties: EchonetProperty[] = [];
  let at = HEADER;
  for (let i = 0; i < opc; i++) {
    if (at + 2 > bytes.length) return { field: 'OPC', seoj, message: `announces ${opc} properties but the frame ends after ${i}` };
    const pdc = bytes[at + 1]!;
    if (at + 2 + pdc > bytes.length) return { field: `properties[${i}].PDC`, seoj, message: `EPC 0x${hex(bytes[at]!)} announces ${pdc} bytes, ${bytes.length - at - 2} left` };
    properties.push({ epc: hex(bytes[at]!), edt: Buffer.from(bytes.subarray(at + 2, at + 2 + pdc)) });
    at += 2 + pdc;
  }
  if (at !== bytes.length) return { field: 'length', seoj, message: `${bytes.length - at} bytes after the last property` };
  return { tid: bytes.readUInt16BE(2), seoj, deoj: bytes.subarray(7, 10).toString('hex'), esv: bytes[10]!, properties };
}

export function isFrameFault(value: EchonetFrame | FrameFault): value is FrameFault {
  return 'field' in value;
}

export function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
