/** Where a bound actuator lives on the Zigbee network: the device's IEEE address and, optionally, one endpoint. */
export interface ZigbeeAddress {
  /** Lower-case `0x` followed by 16 hex digits, as herdsman keys its devices. */
  readonly ieeeAddr: string;
  /** Absent: the first endpoint that serves the actuator's cluster. */
  readonly endpoint?: number;
}

const ADDRESS = /^(0x[0-9a-f]{16})(?:\/(\d{1,3}))?$/i;

/**
 * Parses a binding address, `0x00124b0012345678` or `0x00124b0012345678/2`; an error message when it is not one.
 * Endpoints are 1 to 240 (Zigbee application endpoints; 241-254 are reserved, 242 being Green Power).
 */
export function parseZigbeeAddress(address: string): ZigbeeAddress | string {
  const match = ADDRESS.exec(address.trim());
  if (!match) return `"${address}" is not an IEEE address (0x followed by 16 hex digits, optionally /endpoint)`;
  const ieeeAddr = match[1].toLowerCase();
  if (match[2] === undefined) return { ieeeAddr };
  const endpoint = Number(match[2]);
  if (endpoint < 1 || endpoint > 240) return `endpoint ${endpoint} in "${address}" is outside 1-240`;
  return { ieeeAddr, endpoint };
}
