export * from './device-adapter';
export { DeviceRouter } from './device-router';
