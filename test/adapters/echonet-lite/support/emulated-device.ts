import type { RemoteInfo, Socket } from 'dgram';
import { once } from 'events';
import { echonetLitePackage as EL, type PackageFrame } from '../../../../adapters/echonet-lite/echonet-lite-package';
import { emit, serveLines } from './line-server';

/**
 * Emulated ECHONET Lite devices on one node, built on the `echonet-lite` package as a real device stack would
 * be: run it inside a network namespace with `node emulated-device.js '<json DeviceSpec[]>' '<json options>'` and
 * drive it over stdin (see `line-server.ts`). Like a real device object it has the mandatory properties of the
 * device super class (Appendix §2.2: 0x80, 0x81, 0x82, 0x88, 0x8A and the property maps 0x9D, 0x9E, 0x9F), answers
 * SetC with Set_Res (0x71) or a refusal (SetC_SNA 0x51, or SetI_SNA 0x50 as some devices send), Get with Get_Res or
 * Get_SNA, announces every change with INF (0x73) to 224.0.23.0, and its node profile answers searches (the
 * package). It answers to port 3610 or to the request's source port, as devices do either. It says `ready` only
 * once its socket is bound.
 */
export interface DeviceSpec {
  /** 6 hex digits, e.g. `026501`. */
  readonly eoj: string;
  /** EPC → EDT, hex: the class's own properties; the super class's mandatory ones are added. */
  readonly properties: Record<string, string>;
  /** EPC → the EDTs a SetC may write; any other is refused. */
  readonly settable: Record<string, string[]>;
}

export interface EmulatorOptions {
  /** `source`: answers go to the request's source port; `3610`: to the ECHONET Lite port. */
  readonly answerTo: 'source' | '3610';
}

const SETC = 0x61;
const SETI = 0x60;
const GET = 0x62;
const SET_RES = 0x71;
const GET_RES = 0x72;
const GET_SNA = 0x52;
const INF = 0x73;
const PORT = 3610;

/** Device super class (Appendix §2.2): location unspecified, Release J, no fault, an unregistered maker code. */
const MANDATORY: Readonly<Record<string, string>> = { '80': '30', '81': '00', '82': '00004a00', '88': '42', '8a': 'ffffff' };

const specs = JSON.parse(process.argv[2] ?? '[]') as DeviceSpec[];
let options = JSON.parse(process.argv[3] ?? '{"answerTo":"3610"}') as EmulatorOptions;
type Emulated = DeviceSpec & { refuseWith: number };
const emulate = (s: DeviceSpec): Emulated => ({ ...s, properties: { ...MANDATORY, ...s.properties }, settable: { ...s.settable }, refuseWith: 0x51 });
const objects = new Map(specs.map((s) => [s.eoj, emulate(s)]));
const received: { esv: string; tid: string; deoj: string; details: Record<string, string>; port: number }[] = [];
let socket: Socket;
let silent = false;
/** Announce a change before answering the SetC, as some devices do. */
let announceFirst = false;
/** Carry out SetC and announce it, but lose the Set_Res. */
let loseSetRes = false;

/** A property map (Appendix, property map description format): a list below 16 EPCs, else a 16-byte bitmap. */
function propertyMap(epcs: readonly string[]): string {
  const codes = [...new Set(epcs)].map((e) => parseInt(e, 16));
  if (codes.length < 16) return Buffer.from([codes.length, ...codes]).toString('hex');
  const bitmap = Buffer.alloc(16);
  for (const code of codes) bitmap[code & 0x0f]! |= 1 << ((code >> 4) - 8);
  return Buffer.from([codes.length, ...bitmap]).toString('hex');
}

/** EPC → EDT of an object, the property maps included. */
function properties(object: Emulated): Record<string, string> {
  const own = Object.keys(object.properties);
  const announced = own.filter((epc) => epc === '80' || epc === '88' || epc in object.settable);
  return {
    ...object.properties,
    '9d': propertyMap(announced),
    '9e': propertyMap(Object.keys(object.settable)),
    '9f': propertyMap([...own, '9d', '9e', '9f']),
  };
}

function frame(tid: string, seoj: string, deoj: string, esv: number, props: readonly [string, string][]): Buffer {
  const body = props.flatMap(([epc, edt]) => [parseInt(epc, 16), edt.length / 2, ...Buffer.from(edt, 'hex')]);
  return Buffer.from([0x10, 0x81, ...Buffer.from(tid, 'hex'), ...Buffer.from(seoj, 'hex'), ...Buffer.from(deoj, 'hex'), esv, props.length, ...body]);
}

function answer(rinfo: RemoteInfo, bytes: Buffer): void {
  socket.send(bytes, options.answerTo === 'source' ? rinfo.port : PORT, rinfo.address);
}

function receive(rinfo: RemoteInfo, els: PackageFrame | null, err?: unknown): void {
  if (err || !els) return;
  const object = objects.get(els.DEOJ);
  if (!object) return; // the node profile is the package's
  const esv = parseInt(els.ESV, 16);
  received.push({ esv: els.ESV, tid: els.TID, deoj: els.DEOJ, details: { ...els.DETAILs }, port: rinfo.port });
  if (silent) return;
  if (esv === GET) get(rinfo, els, object);
  else if (esv === SETC || esv === SETI) set(rinfo, els, object);
}

/** Spec. part II §4.2.3.3: every property present → Get_Res; any missing → Get_SNA with it empty. */
function get(rinfo: RemoteInfo, els: PackageFrame, object: Emulated): void {
  const all = properties(object);
  const props = Object.keys(els.DETAILs).map((epc): [string, string] => [epc, all[epc] ?? '']);
  answer(rinfo, frame(els.TID, els.DEOJ, els.SEOJ, props.every(([, edt]) => edt !== '') ? GET_RES : GET_SNA, props));
}

/** Spec. part II §4.2.3.1: all written → Set_Res with empty EDTs; any refused → the refusal echoing the refused ones. */
function set(rinfo: RemoteInfo, els: PackageFrame, object: Emulated): void {
  const props: [string, string][] = [];
  const changed: string[] = [];
  let refused = false;
  for (const [epc, edt] of Object.entries(els.DETAILs)) {
    if (object.settable[epc]?.includes(edt)) {
      if (object.properties[epc] !== edt) changed.push(epc);
      object.properties[epc] = edt;
      props.push([epc, '']);
    } else {
      refused = true;
      props.push([epc, edt]);
    }
  }
  if (announceFirst || loseSetRes) for (const epc of changed) announce(object.eoj, epc);
  if (parseInt(els.ESV, 16) === SETC && !loseSetRes) answer(rinfo, frame(els.TID, els.DEOJ, els.SEOJ, refused ? object.refuseWith : SET_RES, props));
  if (!announceFirst && !loseSetRes) for (const epc of changed) announce(object.eoj, epc);
}

/** Status change announcement (INF 0x73) to the ECHONET Lite group. */
function announce(eoj: string, epc: string): void {
  socket.send(frame('0000', eoj, '05ff01', INF, [[epc, objects.get(eoj)!.properties[epc]!]]), PORT, EL.EL_Multi);
}

function objectOf(args: Record<string, unknown>): Emulated {
  const object = objects.get(String(args.eoj));
  if (!object) throw new Error(`no emulated object ${String(args.eoj)}`);
  return object;
}

async function main(): Promise<void> {
  socket = await EL.initialize([...objects.keys()], receive, 4, { v4: '', ignoreMe: true, autoGetProperties: false, debugMode: false });
  // `initialize` resolves before the bind: a Get sent on `ready` would find nobody listening yet.
  if (!isBound(socket)) await once(socket, 'listening');
  serveLines(
    {
      /** Back to the properties the node started with, silently (no INF), and answering again. */
      reset: () => {
        for (const spec of specs) objects.set(spec.eoj, emulate(spec));
        received.length = 0;
        silent = announceFirst = loseSetRes = false;
      },
      /** Every object's properties now (the super class's mandatory ones included, the maps left out). */
      state: () => Object.fromEntries([...objects].map(([eoj, o]) => [eoj, o.properties])),
      /** The requests (SetC, Get...) this node received for its objects, oldest first, with their source port. */
      received: () => received,
      /** A silent device answers nothing, as one that lost power. */
      silent: (args) => void (silent = args.value === true),
      announceFirst: (args) => void (announceFirst = args.value === true),
      loseSetRes: (args) => void (loseSetRes = args.value === true),
      answerTo: (args) => void (options = { ...options, answerTo: args.to === 'source' ? 'source' : '3610' }),
      /** Someone at the device changes it: the property changes and is announced. */
      manual: (args) => {
        const object = objectOf(args);
        object.properties[String(args.epc)] = String(args.edt);
        announce(object.eoj, String(args.epc));
      },
      /** Stops accepting every EDT of a property, answering with `with` (hex ESV, default 51: SetC_SNA). */
      refuse: (args) => {
        const object = objectOf(args);
        object.settable[String(args.epc)] = [];
        object.refuseWith = parseInt(String(args.with ?? '51'), 16);
      },
      /** Accepts the EDTs of a property again. */
      accept: (args) => {
        const object = objectOf(args);
        object.settable[String(args.epc)] = specs.find((s) => s.eoj === object.eoj)!.settable[String(args.epc)] ?? [];
      },
      /** Any bytes, e.g. a malformed frame, to `to`:3610. */
      raw: (args) => socket.send(Buffer.from(String(args.hex), 'hex'), PORT, String(args.to)),
    },
    async () => EL.release(),
  );
  emit('ready', { objects: [...objects.keys()] });
}

function isBound(s: Socket): boolean {
  try {
    s.address();
    return true;
  } catch {
    return false; // not bound yet: address() throws ERR_SOCKET_DGRAM_NOT_BOUND
  }
}

main().catch((err) => {
  process.stderr.write(`emulated device failed: ${String(err)}\n`);
  process.exit(1);
});
