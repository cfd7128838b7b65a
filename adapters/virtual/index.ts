export { VirtualAdapter, VIRTUAL, type VirtualAdapterOptions, type VirtualFault } from './virtual-adapter';
