import type { Behaviour } from '../../zigbee-herdsman/support/simulated-device';

/** A simulated device in the real bridge's radio: one of the herdsman suite's three, at an address. */
export interface BridgeDeviceSpec {
  readonly type: 'lock' | 'cover' | 'plug';
  readonly ieeeAddr: string;
  readonly networkAddress: number;
  /** Attribute values other than the device's factory ones, per cluster (a restart keeps what the device held). */
  readonly attributes?: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** What the test asks of the fake coordinator inside the bridge process (z2m-preload.ts answers). */
export type BridgeRequest = { readonly id: number } & (
  | { readonly op: 'join'; readonly ieeeAddr: string }
  | { readonly op: 'attributes'; readonly ieeeAddr: string }
  | { readonly op: 'behave'; readonly ieeeAddr: string; readonly behaviour: Behaviour }
  | { readonly op: 'change'; readonly ieeeAddr: string; readonly cluster: string; readonly values: Readonly<Record<string, number>> }
  | { readonly op: 'commands'; readonly ieeeAddr: string }
  | { readonly op: 'reads'; readonly ieeeAddr: string }
);

/** What the bridge process says: an answer to a request, or an address it was kept from reaching. */
export type BridgeMessage =
  | { readonly type: 'answer'; readonly id: number; readonly result?: unknown; readonly error?: string }
  | { readonly type: 'refused'; readonly what: string };
