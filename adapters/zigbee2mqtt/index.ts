export { Zigbee2MqttAdapter, ZIGBEE2MQTT, EPOCH_PROPERTY, type Zigbee2MqttOptions } from './zigbee2mqtt-adapter';
export { codecFor, encodeState, decodeState, bindingOptionsSchema, type DeviceCodec } from './device-codec';
export { classifyTopic, parseOnline, parseStateObject, type BridgeMessage } from './bridge-messages';
