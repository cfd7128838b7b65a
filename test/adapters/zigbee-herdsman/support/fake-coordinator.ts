import { Zcl, Zdo } from 'zigbee-herdsman';
import { Adapter } from 'zigbee-herdsman/dist/adapter';
import type { ZclPayload } from 'zigbee-herdsman/dist/adapter/events';
import type { CoordinatorVersion, NetworkParameters, StartResult } from 'zigbee-herdsman/dist/adapter/tstype';
import type { Backup } from 'zigbee-herdsman/dist/models';
import type { SimulatedDevice } from './simulated-device';

/** A ZCL frame the controller sent to a device, decoded again from its bytes with herdsman's own ZCL classes. */
export interface SentFrame {
  readonly ieeeAddr: string;
  readonly endpoint: number;
  readonly cluster: string;
  readonly command: string;
  /** A foundation command (read, write, ...) rather than one of the cluster's own. */
  readonly global: boolean;
  readonly payload: unknown;
  readonly bytes: Buffer;
}

export const COORDINATOR_IEEE = '0x00124b00c0ffee00';
const CHANNEL = 11;
const PAN_ID = 0x1a62;
const HA_PROFILE = 0x0104;

/**
 * The coordinator firmware and the radio, simulated at herdsman's adapter interface: a subclass of the package's
 * abstract Adapter, answering ZDO requests (interview) and delivering ZCL frames to SimulatedDevices as bytes.
 * Everything above it — Controller, interview, ZCL encoding, database — is herdsman's real code.
 */
export class FakeCoordinator extends Adapter {
  readonly frames: SentFrame[] = [];
  private readonly devices = new Map<number /* network address */, SimulatedDevice>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(devices: readonly SimulatedDevice[]) {
    super({ panID: PAN_ID, channelList: [CHANNEL] }, {}, '', { disableLED: false });
    this.hasZdoMessageOverhead = false;
    for (const device of devices) this.devices.set(device.spec.networkAddress, device);
  }

  device(ieeeAddr: string): SimulatedDevice {
    const device = [...this.devices.values()].find((d) => d.ieeeAddr === ieeeAddr);
    if (!device) throw new Error(`the fake coordinator has no device ${ieeeAddr}`);
    return device;
  }

  /** The cluster commands (lockDoor, upOpen, on, ...) sent to a device, leaving out reads and other foundation frames. */
  commandsTo(ieeeAddr: string): SentFrame[] {
    return this.frames.filter((f) => f.ieeeAddr === ieeeAddr && !f.global);
  }

  /** The device joins (ZDO device announce through the trust centre); herdsman then interviews it. */
  join(ieeeAddr: string): void {
    this.emit('deviceJoined', { networkAddress: this.device(ieeeAddr).spec.networkAddress, ieeeAddr });
  }

  leave(ieeeAddr: string): void {
    this.emit('deviceLeave', { networkAddress: this.device(ieeeAddr).spec.networkAddress, ieeeAddr });
  }

  /** A change made at the device (a hand on the lock, a wall switch): the device reports the attributes. */
  changeAtDevice(ieeeAddr: string, cluster: string, values: Readonly<Record<string, number>>): void {
    const device = this.device(ieeeAddr);
    this.report(device, cluster, device.set(cluster, values));
  }

  override async start(): Promise<StartResult> {
    return 'resumed';
  }

  override async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  override async getCoordinatorIEEE(): Promise<string> {
    return COORDINATOR_IEEE;
  }

  override async getCoordinatorVersion(): Promise<CoordinatorVersion> {
    return { type: 'fake', meta: {} };
  }

  override async reset(): Promise<void> {}

  override async supportsBackup(): Promise<boolean> {
    return false;
  }

  override async backup(): Promise<Backup> {
    throw new Error('the fake coordinator keeps no backup');
  }

  override async getNetworkParameters(): Promise<NetworkParameters> {
    return { panID: PAN_ID, extendedPanID: '0xdddddddddddddddd', channel: CHANNEL, nwkUpdateID: 0 };
  }

  override async addInstallCode(): Promise<void> {
    throw new Error('the fake coordinator takes no install codes');
  }

  override waitFor(): { promise: Promise<never>; cancel: () => void } {
    return { promise: Promise.reject(new Error('the fake coordinator does not wait for unsolicited frames')), cancel: () => undefined };
  }

  override async permitJoin(): Promise<void> {}

  /** herdsman declares three sendZdo overloads; one implementation answers them all. */
  override async sendZdo(ieeeAddress: string, networkAddress: number, clusterId: Zdo.ClusterId, payload: Buffer): Promise<never> {
    return this.answerZdo(ieeeAddress, networkAddress, clusterId, payload) as never;
  }

  override async sendZclFrameToEndpoint(
    ieeeAddr: string,
    networkAddress: number,
    endpoint: number,
    zclFrame: Zcl.Frame,
    timeout: number,
    disableResponse: boolean,
  ): Promise<ZclPayload | undefined> {
    const bytes = zclFrame.toBuffer();
    const frame = Zcl.Frame.fromBuffer(zclFrame.cluster.ID, Zcl.Header.fromBuffer(bytes), bytes, {});
    this.frames.push({ ieeeAddr, endpoint, cluster: frame.cluster.name, command: frame.command.name, global: frame.header.isGlobal, payload: frame.payload, bytes });
    const device = this.devices.get(networkAddress);
    if (!device || device.behaviour === 'silent') return this.noAnswer(networkAddress, endpoint, frame, timeout);
    const { response, changed } = device.handle(frame);
    // A device sends in order: this answer after what it sent before, and its report of the change after the answer.
    const airtime = new Promise<void>((resolve) => this.later(resolve));
    if (changed) this.later(() => this.report(device, frame.cluster.name, changed));
    await airtime;
    // Which answer the controller waits for, as herdsman's own adapters decide it (e.g. zohAdapter.sendZclFrameToEndpoint).
    const expected = frame.command.response !== undefined && !disableResponse ? frame.command.response : frame.header.frameControl.disableDefaultResponse ? undefined : Zcl.Foundation.defaultRsp.ID;
    if (expected === undefined || !response) return undefined;
    const answer = Zcl.Frame.create(
      response.global ? Zcl.FrameType.GLOBAL : Zcl.FrameType.SPECIFIC,
      Zcl.Direction.SERVER_TO_CLIENT,
      true,
      undefined,
      frame.header.transactionSequenceNumber,
      response.command,
      frame.cluster.ID,
      response.payload as never,
      {},
    );
    if (answer.command.ID !== expected) return this.noAnswer(networkAddress, endpoint, frame, timeout);
    // Like herdsman's own drivers, every frame received is also emitted, so the controller sees read responses.
    const received = this.payload(device, answer);
    this.emit('zclPayload', received);
    return received;
  }

  override async sendZclFrameToGroup(): Promise<void> {}

  /** Broadcasts (herdsman's Green Power commissioning on permit-join and stop) reach no simulated device. */
  override async sendZclFrameToAll(): Promise<void> {}

  override async setChannelInterPAN(): Promise<void> {
    throw new Error('the fake coordinator has no inter-PAN');
  }

  override async sendZclFrameInterPANToIeeeAddr(): Promise<void> {
    throw new Error('the fake coordinator has no inter-PAN');
  }

  override async sendZclFrameInterPANBroadcast(): Promise<never> {
    throw new Error('the fake coordinator has no inter-PAN');
  }

  override async restoreChannelInterPAN(): Promise<void> {
    throw new Error('the fake coordinator has no inter-PAN');
  }

  /** The interview's ZDO requests (Zigbee spec 2.4.3: node descriptor, active endpoints, simple descriptor) and binds. */
  private answerZdo(ieeeAddr: string, networkAddress: number, clusterId: Zdo.ClusterId, payload: Buffer): unknown {
    const ok = Zdo.Status.SUCCESS;
    if (networkAddress === 0) return this.coordinatorZdo(clusterId);
    const device = this.devices.get(networkAddress);
    if (!device || device.ieeeAddr !== ieeeAddr) throw new Error(`ZDO ${Zdo.ClusterId[clusterId]}: no device ${ieeeAddr} at 0x${networkAddress.toString(16)}`);
    if (device.behaviour === 'silent') throw new Error(`ZDO ${Zdo.ClusterId[clusterId]}: no answer from ${ieeeAddr} (MAC no ACK)`);
    const { spec } = device;
    switch (clusterId) {
      case Zdo.ClusterId.NODE_DESCRIPTOR_REQUEST:
        return [ok, nodeDescriptor(networkAddress, spec.logicalType, spec.manufacturerCode)];
      case Zdo.ClusterId.ACTIVE_ENDPOINTS_REQUEST:
        return [ok, { nwkAddress: networkAddress, endpointList: [spec.endpoint] }];
      case Zdo.ClusterId.SIMPLE_DESCRIPTOR_REQUEST: {
        // Request payload without message overhead: NWKAddrOfInterest (2 bytes), EndPoint (1 byte).
        const endpoint = payload.readUInt8(2);
        if (endpoint !== spec.endpoint) return [Zdo.Status.INVALID_EP, undefined];
        const inClusterList = device.clusters.map((c) => Zcl.Utils.getCluster(c, undefined, {}).ID);
        return [ok, { nwkAddress: networkAddress, length: 0, endpoint, profileId: HA_PROFILE, deviceId: spec.deviceId, deviceVersion: 1, inClusterList, outClusterList: [] }];
      }
      // Binding the device's cluster to the coordinator, so that it reports (zigbee2mqtt's configure step).
      case Zdo.ClusterId.BIND_REQUEST:
      case Zdo.ClusterId.UNBIND_REQUEST:
        return [ok, undefined];
      default:
        throw new Error(`ZDO ${Zdo.ClusterId[clusterId]} to ${ieeeAddr} is not simulated`);
    }
  }

  private coordinatorZdo(clusterId: Zdo.ClusterId): unknown {
    const ok = Zdo.Status.SUCCESS;
    if (clusterId === Zdo.ClusterId.ACTIVE_ENDPOINTS_REQUEST) return [ok, { nwkAddress: 0, endpointList: [1] }];
    if (clusterId === Zdo.ClusterId.SIMPLE_DESCRIPTOR_REQUEST) {
      return [ok, { nwkAddress: 0, length: 0, endpoint: 1, profileId: HA_PROFILE, deviceId: 0x0005, deviceVersion: 0, inClusterList: [0x0000], outClusterList: [0x0006, 0x0101, 0x0102] }];
    }
    throw new Error(`ZDO ${Zdo.ClusterId[clusterId]} to the coordinator is not simulated`);
  }

  private report(device: SimulatedDevice, cluster: string, values: Readonly<Record<string, number>>): void {
    const clusterDef = Zcl.Utils.getCluster(cluster, undefined, {});
    const records = Object.entries(values).map(([name, attrData]) => {
      const attribute = clusterDef.attributes[name];
      if (!attribute) throw new Error(`${cluster} has no attribute ${name}`);
      return { attrId: attribute.ID, dataType: attribute.type, attrData };
    });
    const frame = Zcl.Frame.create(Zcl.FrameType.GLOBAL, Zcl.Direction.SERVER_TO_CLIENT, true, undefined, 0, 'report', clusterDef.ID, records, {});
    this.emit('zclPayload', this.payload(device, frame));
  }

  /** What the radio hands herdsman for a frame from a device: its bytes, decoded header and addressing. */
  private payload(device: SimulatedDevice, frame: Zcl.Frame): ZclPayload {
    const data = frame.toBuffer();
    return {
      clusterID: frame.cluster.ID,
      address: device.spec.networkAddress,
      header: Zcl.Header.fromBuffer(data),
      data,
      endpoint: device.spec.endpoint,
      linkquality: 200,
      groupID: 0,
      wasBroadcast: false,
      destinationEndpoint: 1,
    };
  }

  /** A request nobody answers: herdsman's adapters reject after the timeout with this message. */
  private noAnswer(networkAddress: number, endpoint: number, frame: Zcl.Frame, timeout: number): Promise<never> {
    const matcher = { address: networkAddress, endpoint, clusterId: frame.cluster.ID, commandId: frame.command.response ?? Zcl.Foundation.defaultRsp.ID, transactionSequenceNumber: frame.header.transactionSequenceNumber };
    return new Promise((_, reject) => this.later(() => reject(new Error(Adapter.clusterWaitressTimeoutFormatter(matcher, timeout))), timeout));
  }

  /** Frames from devices take a timer turn; timers of one delay run in the order they were set (FIFO, as on air). */
  private later(action: () => void, delay = 1): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, delay);
    this.timers.add(timer);
  }
}

function nodeDescriptor(nwkAddress: number, logicalType: number, manufacturerCode: number) {
  return {
    nwkAddress,
    logicalType,
    fragmentationSupported: false,
    apsFlags: 0,
    frequencyBand: 0b01000, // 2.4 GHz
    capabilities: { alternatePANCoordinator: 0, deviceType: logicalType === 1 ? 1 : 0, powerSource: logicalType === 1 ? 1 : 0, rxOnWhenIdle: logicalType === 1 ? 1 : 0, reserved1: 0, reserved2: 0, securityCapability: 0, allocateAddress: 1 },
    manufacturerCode,
    maxBufSize: 82,
    maxIncTxSize: 82,
    serverMask: { primaryTrustCenter: 0, backupTrustCenter: 0, deprecated1: 0, deprecated2: 0, deprecated3: 0, deprecated4: 0, networkManager: 0, reserved1: 0, reserved2: 0, stackComplianceRevision: 22 },
    maxOutTxSize: 82,
    deprecated1: 0,
    tlvs: [],
  };
}
