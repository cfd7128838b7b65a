import type { RemoteInfo } from 'dgram';
import { echonetLitePackage as EL, type PackageFrame } from '../../../../adapters/echonet-lite/echonet-lite-package';
import { emit, serveLines } from './line-server';

/**
 * Emulated ECHONET Lite devices on one node, built on the `echonet-lite` package as a real device stack would
 * be: run it inside a network namespace with `node emulated-device.js '<json DeviceSpec[]>'` and drive it over
 * stdin (see `line-server.ts`). It answers SetC with Set_Res (0x71) or SetC_SNA (0x51), Get with Get_Res,
 * announces every change with INF (0x73) to 224.0.23.0, and its node profile answers searches (the package).
 */
export interface DeviceSpec {
  /** 6 hex digits, e.g. `026501`. */
  readonly eoj: string;
  /** EPC → EDT, hex. */
  readonly properties: Record<string, string>;
  /** EPC → the EDTs a SetC may write; any other is refused. */
  readonly settable: Record<string, string[]>;
}

const SETC = '61';
const SETI = '60';
const GET = '62';

const specs = JSON.parse(process.argv[2] ?? '[]') as DeviceSpec[];
const objects = new Map(specs.map((s) => [s.eoj, { ...s, properties: { ...s.properties }, settable: { ...s.settable } }]));
const received: { esv: string; tid: string; deoj: string; details: Record<string, string> }[] = [];
let silent = false;
/** Announce a change before answering the SetC, as some devices do. */
let announceFirst = false;

function receive(rinfo: RemoteInfo, els: PackageFrame | null, err?: unknown): void {
  if (err || !els) return;
  const object = objects.get(els.DEOJ);
  if (!object) return; // the node profile is the package's
  received.push({ esv: els.ESV, tid: els.TID, deoj: els.DEOJ, details: { ...els.DETAILs } });
  if (silent) return;
  if (els.ESV === GET) {
    EL.replyGetDetail(rinfo, els, { [els.DEOJ]: Object.fromEntries(Object.entries(object.properties).map(([epc, edt]) => [epc, [...Buffer.from(edt, 'hex')]])) });
  } else if (els.ESV === SETC || els.ESV === SETI) {
    set(rinfo, els, object);
  }
}

/** Spec. part II §4.2.3.1: all written → Set_Res with empty EDTs; any refused → SetC_SNA echoing the refused ones. */
function set(rinfo: RemoteInfo, els: PackageFrame, object: DeviceSpec): void {
  const answer: number[] = [];
  const changed: string[] = [];
  let refused = false;
  for (const [epc, edt] of Object.entries(els.DETAILs)) {
    if (object.settable[epc]?.includes(edt)) {
      if (object.properties[epc] !== edt) changed.push(epc);
      object.properties[epc] = edt;
      answer.push(parseInt(epc, 16), 0);
    } else {
      refused = true;
      answer.push(parseInt(epc, 16), edt.length / 2, ...Buffer.from(edt, 'hex'));
    }
  }
  if (announceFirst) for (const epc of changed) announce(object.eoj, epc);
  if (els.ESV === SETC) {
    const header = [0x10, 0x81, ...Buffer.from(els.TID, 'hex'), ...Buffer.from(els.DEOJ, 'hex'), ...Buffer.from(els.SEOJ, 'hex')];
    EL.sendArray(rinfo.address, [...header, refused ? 0x51 : 0x71, Object.keys(els.DETAILs).length, ...answer]);
  }
  if (!announceFirst) for (const epc of changed) announce(object.eoj, epc);
}

/** Status change announcement (INF 0x73) to the ECHONET Lite group. */
function announce(eoj: string, epc: string): void {
  const edt = objects.get(eoj)!.properties[epc]!;
  EL.sendOPC1(EL.EL_Multi, [...Buffer.from(eoj, 'hex')], [0x05, 0xff, 0x01], 0x73, parseInt(epc, 16), [...Buffer.from(edt, 'hex')]);
}

function objectOf(args: Record<string, unknown>) {
  const object = objects.get(String(args.eoj));
  if (!object) throw new Error(`no emulated object ${String(args.eoj)}`);
  return object;
}

async function main(): Promise<void> {
  await EL.initialize([...objects.keys()], receive, 4, { v4: '', ignoreMe: true, autoGetProperties: false, debugMode: false });
  serveLines(
    {
      /** Back to the properties the node started with, silently (no INF), and answering again. */
      reset: () => {
        for (const spec of specs) Object.assign(objects.get(spec.eoj)!, { properties: { ...spec.properties }, settable: { ...spec.settable } });
        received.length = 0;
        silent = false;
        announceFirst = false;
      },
      /** Every object's properties now. */
      state: () => Object.fromEntries([...objects].map(([eoj, o]) => [eoj, o.properties])),
      /** The requests (SetC, Get...) this node received for its objects, oldest first. */
      received: () => received,
      /** A silent device answers nothing, as one that lost power. */
      silent: (args) => void (silent = args.value === true),
      announceFirst: (args) => void (announceFirst = args.value === true),
      /** Someone at the device changes it: the property changes and is announced. */
      manual: (args) => {
        const object = objectOf(args);
        object.properties[String(args.epc)] = String(args.edt);
        announce(object.eoj, String(args.epc));
      },
      /** Stops accepting an EDT (or every EDT) of a property. */
      refuse: (args) => void (objectOf(args).settable[String(args.epc)] = []),
      /** Any bytes, e.g. a malformed frame, to `to`:3610. */
      raw: (args) => EL.sendArray(String(args.to), [...Buffer.from(String(args.hex), 'hex')]),
    },
    async () => EL.release(),
  );
  emit('ready', { objects: [...objects.keys()] });
}

main().catch((err) => {
  process.stderr.write(`emulated device failed: ${String(err)}\n`);
  process.exit(1);
});
