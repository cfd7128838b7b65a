// Each protocol has its own entry point (home-arbiter/adapters/<protocol>), so that loading one does not load the
// others' libraries (zigbee-herdsman-converters alone takes seconds).
export * from './device-adapter';
export { DeviceRouter, type AdapterStart } from './device-router';
