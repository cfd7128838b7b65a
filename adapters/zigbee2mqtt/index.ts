import { requireProtocolPackages } from '../protocol-packages';

// First, before the modules below load the library: a missing one is an error that names the package to install.
requireProtocolPackages('zigbee2mqtt');

export { Zigbee2MqttAdapter, ZIGBEE2MQTT, EPOCH_PROPERTY, type Zigbee2MqttOptions } from './zigbee2mqtt-adapter';
export { codecFor, encodeState, decodeState, bindingOptionsSchema, type DeviceCodec } from './device-codec';
export { classifyTopic, parseFailedCommand, parseOnline, parseStateObject, type BridgeMessage, type FailedCommand } from './bridge-messages';
