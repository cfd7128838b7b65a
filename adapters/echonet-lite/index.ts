export { EchonetLiteAdapter, type EchonetLiteAdapterOptions, type DiscoveredDevice } from './echonet-lite-adapter';
export { parseEchonetAddress, formatEchonetAddress, type EchonetAddress } from './echonet-address';
export { ECHONET_KINDS } from './echonet-profile';
