import { requireProtocolPackages } from '../protocol-packages';

// First, before the modules below load the library: a missing one is an error that names the package to install.
requireProtocolPackages('zigbee2mqtt');

export { Zigbee2MqttAdapter, ZIGBEE2MQTT, type Zigbee2MqttOptions } from './zigbee2mqtt-adapter';
export { codecFor, encodeState, decodeState, bindingOptionsSchema, type DeviceCodec } from './device-codec';
export { classifyTopic, parseOnline, parseStateObject, type BridgeMessage } from './bridge-messages';
