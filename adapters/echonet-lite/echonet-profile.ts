import type { StateValue } from '../../engine/core/actuator';

/**
 * How one of our actuator kinds maps onto an ECHONET Lite device class and property (Appendix "Detailed
 * Requirements for ECHONET Device Objects"): which class it must be, which EPC carries its state and how our
 * states (SPEC.md §1) are written as EDT bytes. All codes are lower-case hex, as the `echonet-lite` package
 * spells them.
 */
export interface EchonetProfile {
  readonly kind: string;
  /** The classes (class group code + class code, e.g. `0263`) whose objects carry this kind, the usual one first. */
  readonly classCodes: readonly string[];
  /** The property that carries the state, e.g. `e0`. */
  readonly epc: string;
  encode(state: StateValue): Buffer | undefined;
  decode(edt: Buffer): StateValue | undefined;
}

/** A property with one byte per state. */
function enumerated(kind: string, classCodes: readonly string[], epc: string, codes: Readonly<Record<string, number>>): EchonetProfile {
  const byCode = new Map(Object.entries(codes).map(([state, code]) => [code, state]));
  return {
    kind,
    classCodes,
    epc,
    encode: (state) => (typeof state === 'string' && state in codes ? Buffer.from([codes[state]!]) : undefined),
    decode: (edt) => (edt.length === 1 ? byCode.get(edt[0]!) : undefined),
  };
}

// Open/close setting 0xE0 of the shutter, blind and window classes: 0x41 open, 0x42 close (0x43 stop has no
// state of ours, so it decodes to nothing).
const OPEN_CLOSE = { open: 0x41, closed: 0x42 } as const;
// Operation status 0x80, a super class property: 0x30 on, 0x31 off.
const OPERATION = { on: 0x30, off: 0x31 } as const;

/** Set temperature 0xB3 of the home air conditioner class: 0 to 50 °C, one byte. */
const AC_SETPOINT: EchonetProfile = {
  kind: 'ac',
  classCodes: ['0130'],
  epc: 'b3',
  encode: (state) => (typeof state === 'number' && Number.isInteger(state) && state >= 0 && state <= 50 ? Buffer.from([state]) : undefined),
  decode: (edt) => (edt.length === 1 && edt[0]! <= 50 ? edt[0] : undefined),
};

const PROFILES: Readonly<Record<string, EchonetProfile>> = {
  // Electrically operated shutter 0x0261 and electrically operated rain sliding door/shutter 0x0263 share the
  // open/close setting 0xE0.
  shutter: enumerated('shutter', ['0261', '0263'], 'e0', OPEN_CLOSE),
  blind: enumerated('blind', ['0260'], 'e0', OPEN_CLOSE),
  window: enumerated('window', ['0265'], 'e0', OPEN_CLOSE),
  // Electric lock 0x026F, lock setting 1 (0xE0): 0x41 lock, 0x42 unlock.
  lock: enumerated('lock', ['026f'], 'e0', { locked: 0x41, unlocked: 0x42 }),
  ac: enumerated('ac', ['0130'], '80', OPERATION),
  light: enumerated('light', ['0290'], '80', OPERATION),
  av: enumerated('av', ['0602'], '80', OPERATION),
};

/** Binding option `property` values that pick another profile than the kind's default. */
const VARIANTS: Readonly<Record<string, Readonly<Record<string, EchonetProfile>>>> = {
  ac: { setpoint: AC_SETPOINT },
};

export const ECHONET_KINDS: readonly string[] = Object.keys(PROFILES);

/** The profile for a kind (and `options.property`), or a message saying why there is none. */
export function profileFor(kind: string, property?: unknown): EchonetProfile | string {
  const base = PROFILES[kind];
  if (!base) return `kind "${kind}" has no ECHONET Lite class here (supported: ${ECHONET_KINDS.join(', ')})`;
  if (property === undefined) return base;
  const variants = VARIANTS[kind] ?? {};
  const variant = typeof property === 'string' ? variants[property] : undefined;
  return variant ?? `"${String(property)}" is not a property of kind ${kind} (supported: ${Object.keys(variants).join(', ') || 'none'})`;
}

/** The kind whose default profile is this class, for discovery results. */
export function kindOfClass(classCode: string): string | undefined {
  return Object.values(PROFILES).find((p) => p.classCodes.includes(classCode))?.kind;
}
