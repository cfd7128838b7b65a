import { Subscription } from 'rxjs';
import type { StateValue } from '../../engine/core/actuator';
import { DeviceError, type ActuatorBinding, type DeviceAdapter } from '../device-adapter';
import { classOf, formatEchonetAddress } from './echonet-address';
import { parseBinding, propertyKey, type EchonetBinding } from './echonet-binding';
import { EchonetFacade, type MalformedFrame, type ReceivedFrame } from './echonet-facade';
import { ESV, hex, type EchonetFrame } from './echonet-frame';
import { kindOfClass } from './echonet-profile';
import { AdapterStreams } from '../adapter-streams';

export interface EchonetLiteAdapterOptions {
  /** How long a SetC waits for Set_Res or SetC_SNA, ms (per device: `device.options.timeout`). Default 3 s. */
  readonly timeout?: number;
  /** How often a device that timed out is asked again (Get), ms. Default 30 s. */
  readonly probeInterval?: number;
  /** IPv4 address of the interface to use; the default route's interface when absent. */
  readonly interface?: string;
}

export interface DiscoveredDevice {
  /** The binding address, `<ip>/<eoj>`. */
  readonly address: string;
  readonly ip: string;
  readonly eoj: string;
  /** Our kind for the object's class, where we have one. */
  readonly kind?: string;
}

interface PendingSet {
  readonly binding: EchonetBinding;
  readonly edt: Buffer;
  readonly resolve: () => void;
  readonly reject: (err: DeviceError) => void;
  readonly timer: NodeJS.Timeout;
}

const NAME = 'echonet-lite';
const NODE_PROFILE_CLASS = '0ef0';
const INSTANCE_LIST = 'd6'; // Self-node instance list S of the node profile (spec. part II §6.11.1).

/**
 * ECHONET Lite devices as actuators. A dispatch is a SetC (ESV 0x61) whose answer is matched by sender, TID and
 * SEOJ: Set_Res (0x71) confirms, SetC_SNA (0x51) refuses, silence past the timeout is a TIMEOUT (the engine then
 * degrades the actuator, SPEC.md §4). Announcements (INF 0x73) and Get answers (0x72/0x52) are reports
 * (SPEC.md §5). Malformed frames and objects nobody bound are `problems$`, never exceptions.
 */
export class EchonetLiteAdapter extends AdapterStreams implements DeviceAdapter {
  readonly name = NAME;

  private readonly facade: EchonetFacade;
  private readonly timeout: number;
  private readonly probeInterval: number;
  private readonly byActuator = new Map<string /* actuator id */, EchonetBinding>();
  private readonly byProperty = new Map<string /* ip/eoj/epc */, EchonetBinding>();
  private readonly boundObjects = new Set<string /* ip/eoj */>();
  private readonly pending = new Map<string /* ip/tid/seoj */, PendingSet>();
  private readonly unreachable = new Set<string /* actuator id */>();
  private readonly unknownObjects = new Set<string /* ip/eoj */>();
  private readonly searches = new Set<Map<string /* ip/eoj */, DiscoveredDevice>>();
  private subscription?: Subscription;
  private probeTimer?: NodeJS.Timeout;

  constructor(options: EchonetLiteAdapterOptions = {}) {
    super();
    this.timeout = positive(options.timeout ?? 3000, 'timeout');
    this.probeInterval = positive(options.probeInterval ?? 30_000, 'probeInterval');
    this.facade = new EchonetFacade({ interface: options.interface });
  }

  /** Checks every binding, joins the network and asks each bound device for its state (answers are reports). */
  async start(bindings: readonly ActuatorBinding[]): Promise<void> {
    if (this.subscription) throw new Error(`${NAME}: start: already started`);
    const parsed = bindings.map((b) => parseBinding(b, this.timeout));
    try {
      for (const binding of parsed) this.bind(binding);
      await this.facade.start();
    } catch (err) {
      this.forgetBindings();
      throw err;
    }
    this.subscription = new Subscription();
    this.subscription.add(this.facade.frames$.subscribe((f) => this.receive(f)));
    this.subscription.add(this.facade.malformed$.subscribe((m) => this.malformed(m)));
    this.subscription.add(this.facade.errors$.subscribe((err) => this.problem(undefined, 'socket', err.message)));
    for (const binding of parsed) this.requestState(binding);
  }

  async apply(actuatorId: string, state: StateValue): Promise<void> {
    if (!this.subscription) throw new DeviceError('OFFLINE', actuatorId, `${NAME}: the adapter is not started`);
    const binding = this.byActuator.get(actuatorId);
    if (!binding) throw new DeviceError('UNKNOWN_DEVICE', actuatorId, `no ${NAME} binding`);
    const { address, profile } = binding;
    const edt = profile.encode(state);
    if (!edt) throw new DeviceError('UNSUPPORTED', actuatorId, `state ${JSON.stringify(state)} has no EDT for EPC 0x${profile.epc} of class 0x${profile.classCode}`);
    const tid = this.facade.send(address.ip, address.eoj, ESV.SETC, profile.epc, edt);
    const key = `${address.ip}/${tid}/${address.eoj}`;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(key);
        this.unreachable.add(actuatorId);
        this.armProbe();
        reject(new DeviceError('TIMEOUT', actuatorId, `no answer from ${formatEchonetAddress(address)} to SetC (TID ${tid}) within ${binding.timeout} ms`));
      }, binding.timeout);
      this.pending.set(key, { binding, edt, resolve, reject, timer });
    });
  }

  /** Multicast search (224.0.23.0:3610): the device objects every node lists in its instance list (0xD6). */
  async discover(window = 2000): Promise<DiscoveredDevice[]> {
    if (!this.subscription) throw new Error(`${NAME}: discover: the adapter is not started`);
    const found = new Map<string, DiscoveredDevice>();
    this.searches.add(found);
    try {
      this.facade.search();
      await new Promise((resolve) => setTimeout(resolve, window));
    } finally {
      this.searches.delete(found);
    }
    return [...found.values()].sort((a, b) => a.address.localeCompare(b.address));
  }

  async stop(): Promise<void> {
    if (!this.subscription) return;
    this.subscription.unsubscribe();
    this.subscription = undefined;
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new DeviceError('OFFLINE', p.binding.actuatorId, `${NAME}: the adapter stopped before the device answered`));
    }
    this.pending.clear();
    this.unreachable.clear();
    this.unknownObjects.clear();
    this.forgetBindings();
    await this.facade.stop();
  }

  // ---- receiving ---------------------------------------------------------------------------------------------

  private receive({ from, frame }: ReceivedFrame): void {
    if (classOf(frame.seoj) === NODE_PROFILE_CLASS) {
      this.nodeProfile(from, frame);
      return;
    }
    switch (frame.esv) {
      case ESV.SET_RES:
      case ESV.SETC_SNA:
        this.reachable(from, frame.seoj);
        this.answer(from, frame);
        return;
      case ESV.GET_RES:
      case ESV.GET_SNA:
      case ESV.INF:
        this.reachable(from, frame.seoj); // first, so that the engine takes the report of a restored actuator
        this.announce(from, frame);
        return;
      default:
        // Requests to our controller object and other services carry no device state.
        return;
    }
  }

  /** Set_Res (0x71) or SetC_SNA (0x51) for one of our SetC, by sender, TID and SEOJ. */
  private answer(from: string, frame: EchonetFrame): void {
    const key = `${from}/${frame.tid}/${frame.seoj}`;
    const pending = this.pending.get(key);
    if (!pending) return; // late (after its timeout) or not ours
    this.pending.delete(key);
    clearTimeout(pending.timer);
    const { actuatorId, profile } = pending.binding;
    if (frame.esv === ESV.SET_RES) pending.resolve();
    else pending.reject(new DeviceError('REFUSED', actuatorId, `${from}/${frame.seoj} refused EPC 0x${profile.epc} = 0x${pending.edt.toString('hex')} (SetC_SNA)`));
  }

  /** INF (0x73) and Get answers: the device's state, whoever changed it. */
  private announce(from: string, frame: EchonetFrame): void {
    const object = `${from}/${frame.seoj}`;
    if (!this.boundObjects.has(object)) {
      if (!this.unknownObjects.has(object)) {
        this.unknownObjects.add(object);
        this.problem(object, 'SEOJ', `no actuator is bound to ${object} (ESV 0x${hex(frame.esv)})`);
      }
      return;
    }
    for (const { epc, edt } of frame.properties) {
      const binding = this.byProperty.get(`${object}/${epc}`);
      if (!binding || edt.length === 0) continue; // another property, or none in a Get_SNA
      const state = binding.profile.decode(edt);
      if (state === undefined) {
        this.problem(binding.actuatorId, `EPC 0x${epc}`, `EDT 0x${edt.toString('hex')} from ${object} is no state of kind ${binding.profile.kind}`);
        continue;
      }
      if (this.isEchoOfPendingSet(binding, edt)) continue;
      this.emitReport({ actuatorId: binding.actuatorId, state });
    }
  }

  /**
   * A device announces the property it was just set to (status change INF), and may do so before its Set_Res
   * arrives; reporting it then would look like a manual change (SPEC.md §5). The Set_Res confirms it instead.
   */
  private isEchoOfPendingSet(binding: EchonetBinding, edt: Buffer): boolean {
    for (const p of this.pending.values()) if (p.binding === binding && p.edt.equals(edt)) return true;
    return false;
  }

  private nodeProfile(from: string, frame: EchonetFrame): void {
    if (frame.esv !== ESV.GET_RES && frame.esv !== ESV.GET_SNA) return;
    const list = frame.properties.find((p) => p.epc === INSTANCE_LIST)?.edt;
    if (!list || list.length === 0) return;
    if (list.length !== 1 + 3 * list[0]!) {
      this.problem(`${from}/${frame.seoj}`, `EPC 0x${INSTANCE_LIST}`, `instance list announces ${list[0]} objects in ${list.length - 1} bytes`);
      return;
    }
    for (let i = 1; i < list.length; i += 3) {
      const eoj = list.subarray(i, i + 3).toString('hex');
      const address = `${from}/${eoj}`;
      for (const found of this.searches) found.set(address, { address, ip: from, eoj, kind: kindOfClass(classOf(eoj)) });
    }
  }

  private malformed({ from, fault }: MalformedFrame): void {
    const object = fault.seoj ? `${from}/${fault.seoj}` : from;
    const bound = [...this.byActuator.values()].find((b) => formatEchonetAddress(b.address) === object);
    this.problem(bound?.actuatorId ?? object, fault.field, `malformed frame from ${object}: ${fault.message}`);
  }

  // ---- reachability ------------------------------------------------------------------------------------------

  private reachable(from: string, seoj: string): void {
    for (const id of this.unreachable) {
      const { address } = this.byActuator.get(id)!;
      if (address.ip !== from || address.eoj !== seoj) continue;
      this.unreachable.delete(id);
      this.emitAvailability({ actuatorId: id, available: true, reason: `${from}/${seoj} answers again` });
    }
    if (this.unreachable.size === 0) {
      clearInterval(this.probeTimer);
      this.probeTimer = undefined;
    }
  }

  /** A device that timed out is asked for its state until it answers (then `reachable` restores it). */
  private armProbe(): void {
    if (this.probeTimer) return;
    this.probeTimer = setInterval(() => {
      for (const id of this.unreachable) this.requestState(this.byActuator.get(id)!);
    }, this.probeInterval);
  }

  private requestState({ address, profile }: EchonetBinding): void {
    this.facade.send(address.ip, address.eoj, ESV.GET, profile.epc, Buffer.alloc(0));
  }

  private problem(device: string | undefined, field: string, message: string): void {
    this.emitProblem({ adapter: NAME, ...(device ? { device } : {}), field, message });
  }

  private bind(binding: EchonetBinding): void {
    const key = propertyKey(binding.address, binding.profile.epc);
    const other = this.byProperty.get(key);
    if (other) throw new DeviceError('UNSUPPORTED', binding.actuatorId, `device.address: ${key} is already bound to ${other.actuatorId}`);
    this.byProperty.set(key, binding);
    this.byActuator.set(binding.actuatorId, binding);
    this.boundObjects.add(formatEchonetAddress(binding.address));
  }

  private forgetBindings(): void {
    this.byActuator.clear();
    this.byProperty.clear();
    this.boundObjects.clear();
  }
}

function positive(value: number, field: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${NAME}: options.${field}: ${value} is not a positive number of milliseconds`);
  return value;
}
