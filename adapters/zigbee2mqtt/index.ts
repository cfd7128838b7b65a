export { Zigbee2MqttAdapter, ZIGBEE2MQTT, type Zigbee2MqttOptions } from './zigbee2mqtt-adapter';
export { codecFor, encodeState, decodeState, bindingOptionsSchema, type DeviceCodec } from './device-codec';
export { classifyTopic, parseFailedCommand, parseOnline, parseStateObject, type BridgeMessage, type FailedCommand } from './bridge-messages';
