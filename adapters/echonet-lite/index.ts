import { requireProtocolPackages } from '../protocol-packages';

// First, before the modules below load the library: a missing one is an error that names the package to install.
requireProtocolPackages('echonet-lite');

export { EchonetLiteAdapter, type EchonetLiteAdapterOptions, type DiscoveredDevice } from './echonet-lite-adapter';
export { parseEchonetAddress, formatEchonetAddress, type EchonetAddress } from './echonet-address';
export { ECHONET_KINDS } from './echonet-profile';
