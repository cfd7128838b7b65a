export { ZigbeeHerdsmanAdapter, type ZigbeeHerdsmanOptions } from './zigbee-herdsman-adapter';
export { parseZigbeeAddress, type ZigbeeAddress } from './zigbee-address';
