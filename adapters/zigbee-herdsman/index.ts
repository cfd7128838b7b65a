import { requireProtocolPackages } from '../protocol-packages';

// First, before the modules below load the library: a missing one is an error that names the package to install.
requireProtocolPackages('zigbee-herdsman');

export { ZigbeeHerdsmanAdapter, type ZigbeeHerdsmanOptions } from './zigbee-herdsman-adapter';
export { parseZigbeeAddress, type ZigbeeAddress } from './zigbee-address';
