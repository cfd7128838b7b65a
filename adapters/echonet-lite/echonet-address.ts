/**
 * Where an ECHONET Lite device object lives: the node's IPv4 address and the object's EOJ (class group code,
 * class code, instance code; ECHONET Lite spec. part II §3.2), written `<IPv4>/<EOJ as 6 hex digits>`, e.g.
 * `192.168.1.20/026301` for instance 1 of class 0x0263 at 192.168.1.20. Hex digits are case-insensitive and
 * kept lower-case, as the `echonet-lite` package spells them.
 */
export interface EchonetAddress {
  readonly ip: string;
  /** 6 lower-case hex digits. */
  readonly eoj: string;
}

const ADDRESS = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/([0-9a-fA-F]{6})$/;

/** The address, or a message saying what is wrong with it (the caller names the actuator and the field). */
export function parseEchonetAddress(text: string): EchonetAddress | string {
  const match = ADDRESS.exec(text.trim());
  if (!match) return `"${text}" is not <IPv4>/<EOJ as 6 hex digits> (e.g. 192.168.1.20/026301)`;
  const octets = match.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) return `"${text}": ${octets.join('.')} is not an IPv4 address`;
  const eoj = match[5]!.toLowerCase();
  if (eoj.startsWith('0ef0')) return `"${text}": ${eoj} is a node profile, not a device object`;
  return { ip: octets.join('.'), eoj };
}

export function formatEchonetAddress(address: EchonetAddress): string {
  return `${address.ip}/${address.eoj}`;
}

/** The class part of an EOJ (class group code + class code), e.g. `0263` of `026301`. */
export function classOf(eoj: string): string {
  return eoj.slice(0, 4);
}
