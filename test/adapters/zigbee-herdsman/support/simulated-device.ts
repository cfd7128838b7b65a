import { Zcl } from 'zigbee-herdsman';

/** How the simulated device treats commands: as a working device, never answering, or answering with FAILURE. */
export type Behaviour = 'answers' | 'silent' | 'refuses';

export interface SimulatedDeviceSpec {
  readonly ieeeAddr: string;
  readonly networkAddress: number;
  /** ZDO node descriptor: 1 router, 2 end device. */
  readonly logicalType: 1 | 2;
  readonly manufacturerCode: number;
  readonly basic: { readonly modelId: string; readonly manufacturerName: string; readonly powerSource: number };
  readonly endpoint: number;
  /** HA device id of the endpoint (ZCL HA profile: 0x000a door lock, 0x0202 window covering, 0x0051 smart plug). */
  readonly deviceId: number;
  /** Server clusters of the endpoint, genBasic included, with their initial attribute values. */
  readonly clusters: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** A ZCL frame the device sends back, before encoding. */
export interface DeviceFrame {
  readonly global: boolean;
  readonly command: string;
  readonly payload: unknown;
}

export interface DeviceReaction {
  readonly response?: DeviceFrame;
  /** Attributes that changed, which the device then reports (Report Attributes, ZCL 2.5.11). */
  readonly changed?: Readonly<Record<string, number>>;
}

/**
 * The application layer of one Zigbee device with one endpoint: it keeps attribute values and answers requests as
 * the ZCL says the clusters behave. The radio and the network stack are the FakeCoordinator's business.
 */
export class SimulatedDevice {
  behaviour: Behaviour = 'answers';
  private readonly attributes: Map<string /* cluster name */, Map<string /* attribute */, number>>;

  constructor(readonly spec: SimulatedDeviceSpec) {
    this.attributes = new Map(Object.entries(spec.clusters).map(([cluster, attrs]) => [cluster, new Map(Object.entries(attrs))]));
  }

  get ieeeAddr(): string {
    return this.spec.ieeeAddr;
  }

  get clusters(): string[] {
    return [...this.attributes.keys()];
  }

  attribute(cluster: string, name: string): number | undefined {
    return this.attributes.get(cluster)?.get(name);
  }

  /** Someone changed the device by hand (or sent a malformed value, for tests): returns what it reports. */
  set(cluster: string, values: Readonly<Record<string, number>>): Readonly<Record<string, number>> {
    const attrs = this.attributes.get(cluster);
    if (!attrs) throw new Error(`${this.ieeeAddr} has no cluster ${cluster}`);
    for (const [name, value] of Object.entries(values)) attrs.set(name, value);
    return values;
  }

  handle(frame: Zcl.Frame): DeviceReaction {
    const cluster = frame.cluster.name;
    if (!this.attributes.has(cluster)) return { response: defaultResponse(frame, Zcl.Status.UNSUPPORTED_CLUSTER) };
    if (frame.header.isGlobal) {
      if (frame.command.name === 'read') return { response: { global: true, command: 'readRsp', payload: this.readRecords(frame) } };
      // Attribute reporting as configured (ZCL 2.5.7): one SUCCESS record stands for all (ZCL 2.5.8.1).
      if (frame.command.name === 'configReport') return { response: { global: true, command: 'configReportRsp', payload: [{ status: Zcl.Status.SUCCESS }] } };
      return { response: defaultResponse(frame, Zcl.Status.UNSUP_COMMAND) };
    }
    const change = this.effect(cluster, frame.command.name, frame.payload as Record<string, number>);
    if (!change) return { response: defaultResponse(frame, Zcl.Status.UNSUP_COMMAND) };
    const status = this.behaviour === 'refuses' ? Zcl.Status.FAILURE : Zcl.Status.SUCCESS;
    const changed = status === Zcl.Status.SUCCESS ? this.set(cluster, change) : undefined;
    // The door lock answers with its own response command (ZCL 7.3); the others with a default response (ZCL 2.5.12).
    const response = cluster === 'closuresDoorLock' ? { global: false, command: `${frame.command.name}Rsp`, payload: { status } } : defaultResponse(frame, status);
    return { response, changed };
  }

  /** ZCL semantics of the commands we simulate: the attribute values after the command. */
  private effect(cluster: string, command: string, payload: Record<string, number>): Record<string, number> | undefined {
    switch (`${cluster}.${command}`) {
      case 'closuresDoorLock.lockDoor':
        return { lockState: 1 };
      case 'closuresDoorLock.unlockDoor':
        return { lockState: 2 };
      case 'closuresWindowCovering.upOpen':
        return { currentPositionLiftPercentage: 0 };
      case 'closuresWindowCovering.downClose':
        return { currentPositionLiftPercentage: 100 };
      case 'closuresWindowCovering.goToLiftPercentage':
        return { currentPositionLiftPercentage: payload.percentageliftvalue };
      case 'genOnOff.on':
        return { onOff: 1 };
      case 'genOnOff.off':
        return { onOff: 0 };
      default:
        return undefined;
    }
  }

  private readRecords(frame: Zcl.Frame): unknown[] {
    return (frame.payload as { attrId: number }[]).map(({ attrId }) => {
      const attribute = Zcl.Utils.getClusterAttribute(frame.cluster, attrId, undefined);
      const value = attribute && (frame.cluster.name === 'genBasic' ? this.basic(attribute.name) : this.attribute(frame.cluster.name, attribute.name));
      if (!attribute || value === undefined) return { attrId, status: Zcl.Status.UNSUPPORTED_ATTRIBUTE };
      return { attrId, status: Zcl.Status.SUCCESS, dataType: attribute.type, attrData: value };
    });
  }

  private basic(name: string): string | number | undefined {
    const { modelId, manufacturerName, powerSource } = this.spec.basic;
    return ({ modelId, manufacturerName, powerSource, zclVersion: 8 } as Record<string, string | number>)[name];
  }
}

function defaultResponse(frame: Zcl.Frame, statusCode: number): DeviceFrame {
  return { global: true, command: 'defaultRsp', payload: { cmdId: frame.command.ID, statusCode } };
}

const HA_LOCK = 0x000a;
const HA_WINDOW_COVERING = 0x0202;
const HA_SMART_PLUG = 0x0051;
const MAINS = 1;
const BATTERY = 3;

/** The three devices of the tests, fresh for each test. */
export function doorLock(ieeeAddr = '0x00124b0000000a01', networkAddress = 0x1a01): SimulatedDevice {
  return new SimulatedDevice({
    ieeeAddr,
    networkAddress,
    logicalType: 2,
    manufacturerCode: 0x1236,
    basic: { modelId: 'SIM-LOCK-1', manufacturerName: 'home-arbiter test', powerSource: BATTERY },
    endpoint: 1,
    deviceId: HA_LOCK,
    clusters: { genBasic: {}, closuresDoorLock: { lockState: 2 } },
  });
}

export function windowCovering(ieeeAddr = '0x00124b0000000c01', networkAddress = 0x1c01): SimulatedDevice {
  return new SimulatedDevice({
    ieeeAddr,
    networkAddress,
    logicalType: 1,
    manufacturerCode: 0x1236,
    basic: { modelId: 'SIM-COVER-1', manufacturerName: 'home-arbiter test', powerSource: MAINS },
    endpoint: 1,
    deviceId: HA_WINDOW_COVERING,
    clusters: { genBasic: {}, closuresWindowCovering: { currentPositionLiftPercentage: 100 } },
  });
}

export function onOffPlug(ieeeAddr = '0x00124b0000000b01', networkAddress = 0x1b01): SimulatedDevice {
  return new SimulatedDevice({
    ieeeAddr,
    networkAddress,
    logicalType: 1,
    manufacturerCode: 0x1236,
    basic: { modelId: 'SIM-PLUG-1', manufacturerName: 'home-arbiter test', powerSource: MAINS },
    endpoint: 1,
    deviceId: HA_SMART_PLUG,
    clusters: { genBasic: {}, genOnOff: { onOff: 0 } },
  });
}
