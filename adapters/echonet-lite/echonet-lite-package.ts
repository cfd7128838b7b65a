import type { RemoteInfo, Socket } from 'dgram';

/** The package's parsed frame (`EL.parseBytes`): every field as lower-case hex text. */
export interface PackageFrame {
  readonly TID: string;
  readonly SEOJ: string;
  readonly DEOJ: string;
  readonly ESV: string;
  readonly DETAILs: Readonly<Record<string /* EPC */, string /* EDT */>>;
}

export interface PackageOptions {
  /** IPv4 address of the interface to send from; '' picks the default. */
  readonly v4: string;
  readonly ignoreMe: boolean;
  readonly autoGetProperties: boolean;
  readonly debugMode: boolean;
}

/**
 * The typed surface of `echonet-lite` 2.16 (it ships no types), limited to what this adapter and its test device
 * call. The package is one module-level object: one instance per process, whatever imports it.
 */
export interface EchonetLitePackage {
  readonly EL_Multi: string;
  readonly EL_port: number;
  initialize(objects: string[], userfunc: (rinfo: RemoteInfo, els: PackageFrame | null, err?: unknown) => void, ipVer: 4, options: PackageOptions): Promise<Socket>;
  release(): void;
  /** Sends one property with the next TID and returns that TID as [high, low]. */
  sendOPC1(ip: string, seoj: number[], deoj: number[], esv: number, epc: number, edt: number[]): [number, number];
  /** Answers a Get from `details` (EOJ → EPC → EDT bytes): Get_Res, or Get_SNA when an EPC is missing. */
  replyGetDetail(rinfo: RemoteInfo, els: PackageFrame, details: Record<string, Record<string, number[]>>): Promise<void>;
  sendArray(ip: string, bytes: number[]): void;
  /** Multicast Get of the node profiles' instance lists (0xD6) and property maps. */
  search(): void;
  /** True for a datagram from this host (the package's `ignoreMe`). */
  myIPaddress(rinfo: RemoteInfo): boolean;
}

export const echonetLitePackage = require('echonet-lite') as EchonetLitePackage;
