import { Subscription } from 'rxjs';
import type { StateValue } from '../../engine/core/actuator';
import { DeviceError, type ActuatorBinding, type DeviceAdapter } from '../device-adapter';
import { DeviceRecovery } from '../device-recovery';
import { classOf, formatEchonetAddress, type EchonetAddress } from './echonet-address';
import { parseBinding, propertyKey, type EchonetBinding } from './echonet-binding';
import { EchonetFacade, type MalformedFrame, type ReceivedFrame } from './echonet-facade';
import { ESV, hex, isRefusal, type EchonetFrame } from './echonet-frame';
import { kindOfClass } from './echonet-profile';
import { decodePropertyMap, PROPERTY_MAP } from './echonet-property-map';
import { AdapterStreams } from '../adapter-streams';

export interface EchonetLiteAdapterOptions {
  /** How long a SetC or Get waits for its answer, ms (per device: `device.options.timeout`). Default 3 s. */
  readonly timeout?: number;
  /** How often a device that failed (time-out, refusal) or has not answered since start is asked again (Get), ms. Default 30 s. */
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

/** A request awaiting its answer, keyed by `<ip>/<tid>/<eoj>`. */
interface Pending {
  readonly object: EchonetObject;
  readonly timer: NodeJS.Timeout;
  readonly answered: (frame: EchonetFrame) => void;
  readonly failed: (err: DeviceError) => void;
}

/** A SetC awaiting Set_Res, a refusal, or the INF that shows it done. */
interface PendingSet extends Pending {
  readonly binding: EchonetBinding;
  readonly edt: Buffer;
  readonly done: () => void;
}

/** What we know of one bound device object: its actuators and the property maps it gave (spec. Appendix). */
interface EchonetObject {
  readonly address: EchonetAddress;
  readonly bindings: EchonetBinding[];
  /** 0x9F, 0x9E, 0x9D, once read; absent while unknown (a device without maps is asked for everything). */
  maps?: { get?: Set<string>; set?: Set<string>; announce?: Set<string> };
}

const NAME = 'echonet-lite';
const NODE_PROFILE_CLASS = '0ef0';
const INSTANCE_LIST = 'd6'; // Self-node instance list S of the node profile (spec. part II §6.11.1).
const FAULT_STATUS = '88'; // Fault status, a super class property: 0x41 fault, 0x42 no fault.
const MAPS = [PROPERTY_MAP.GET, PROPERTY_MAP.SET, PROPERTY_MAP.ANNOUNCE];

/**
 * ECHONET Lite devices as actuators. A dispatch is a SetC (ESV 0x61) whose answer is matched by sender, TID and
 * SEOJ: Set_Res (0x71) confirms, any "not possible" answer (0x5X) refuses, silence past the timeout is a TIMEOUT
 * (the engine then degrades the actuator, SPEC.md §4); an INF carrying the value being set confirms too, when the
 * Set_Res is lost. Announcements (INF 0x73) and Get answers (0x72/0x52) are reports (SPEC.md §5). Recovery follows
 * `device-recovery.ts`, with a Get as the probe. Malformed frames and objects nobody bound are `problems$`.
 */
export class EchonetLiteAdapter extends AdapterStreams implements DeviceAdapter {
  readonly name = NAME;

  private readonly facade: EchonetFacade;
  private readonly timeout: number;
  private readonly probeInterval: number;
  private readonly byActuator = new Map<string /* actuator id */, EchonetBinding>();
  private readonly byProperty = new Map<string /* ip/eoj/epc */, EchonetBinding>();
  private readonly objects = new Map<string /* ip/eoj */, EchonetObject>();
  private readonly pendingSets = new Map<string /* ip/tid/seoj */, PendingSet>();
  private readonly pendingGets = new Map<string /* ip/tid/seoj */, Pending>();
  private readonly recovery = new DeviceRecovery<string /* EDT hex */>((change) => this.emitAvailability(change));
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

  /**
   * Checks every binding, joins the network and reads each bound object (its state, fault status and property
   * maps): an answer says the device is available, no answer within the timeout says it is not.
   */
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
    for (const object of this.objects.values()) {
      const ids = object.bindings.map((b) => b.actuatorId);
      const { tid, answer } = this.get(object, [...object.bindings.map((b) => b.profile.epc), FAULT_STATUS, ...MAPS]);
      this.recovery.expectFirstAnswer(ids, tid);
      answer.catch((err: DeviceError) => ids.forEach((id) => this.recovery.timedOut(id, `${id}: no answer to the start-up Get: ${err.message}`)));
    }
    this.armProbe();
  }

  async apply(actuatorId: string, state: StateValue): Promise<void> {
    const binding = this.boundActuator(actuatorId);
    const { address, profile } = binding;
    const edt = profile.encode(state);
    if (!edt) throw new DeviceError('UNSUPPORTED', actuatorId, `state ${JSON.stringify(state)} has no EDT for EPC 0x${profile.epc} of class 0x${classOf(address.eoj)}`);
    const tid = this.facade.send(address.ip, address.eoj, ESV.SETC, [{ epc: profile.epc, edt }]);
    const key = `${address.ip}/${tid}/${address.eoj}`;
    const object = this.objects.get(formatEchonetAddress(address))!;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingSets.delete(key);
        const err = new DeviceError('TIMEOUT', actuatorId, `no answer from ${formatEchonetAddress(address)} to SetC (TID ${tid}) within ${binding.timeout} ms`);
        this.recovery.timedOut(actuatorId, err.message, edt.toString('hex'));
        this.armProbe();
        reject(err);
      }, binding.timeout);
      const answered = (frame: EchonetFrame) => {
        if (frame.esv === ESV.SET_RES) return resolve();
        const err = new DeviceError('REFUSED', actuatorId, `${formatEchonetAddress(address)} refused EPC 0x${profile.epc} = 0x${edt.toString('hex')} (ESV 0x${hex(frame.esv)})`);
        this.recovery.refused(actuatorId, edt.toString('hex'), err.message);
        this.armProbe();
        reject(err);
      };
      this.pendingSets.set(key, { object, binding, edt, done: resolve, answered, failed: reject, timer });
    });
  }

  /** A Get of the actuator's property; resolves with the state it holds (which is also reported). */
  async read(actuatorId: string): Promise<StateValue> {
    const binding = this.boundActuator(actuatorId);
    const object = this.objects.get(formatEchonetAddress(binding.address))!;
    const frame = await this.get(object, [binding.profile.epc]).answer.catch((err: DeviceError) => {
      // No answer to a read-back is no answer to a command: unavailable, and probed until it answers.
      this.recovery.timedOut(actuatorId, `${actuatorId}: ${err.message}`);
      this.armProbe();
      throw new DeviceError('TIMEOUT', actuatorId, err.message);
    });
    const edt = frame.properties.find((p) => p.epc === binding.profile.epc)?.edt;
    const state = edt && edt.length > 0 ? binding.profile.decode(edt) : undefined;
    if (state === undefined) throw new DeviceError('UNSUPPORTED', actuatorId, `${formatEchonetAddress(binding.address)} gave no state of kind ${binding.profile.kind} for EPC 0x${binding.profile.epc} (ESV 0x${hex(frame.esv)})`);
    return state;
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
    for (const pending of [this.pendingSets, this.pendingGets]) {
      for (const key of [...pending.keys()]) {
        const request = take(pending, key)!;
        const device = request.object.bindings[0]?.actuatorId ?? formatEchonetAddress(request.object.address);
        request.failed(new DeviceError('OFFLINE', device, `${NAME}: the adapter stopped before the device answered`));
      }
    }
    this.recovery.clear();
    this.unknownObjects.clear();
    this.forgetBindings();
    await this.facade.stop();
  }

  // ---- requests ----------------------------------------------------------------------------------------------

  private boundActuator(actuatorId: string): EchonetBinding {
    if (!this.subscription) throw new DeviceError('OFFLINE', actuatorId, `${NAME}: the adapter is not started`);
    const binding = this.byActuator.get(actuatorId);
    if (!binding) throw new DeviceError('UNKNOWN_DEVICE', actuatorId, `no ${NAME} binding`);
    return binding;
  }

  /**
   * Sends a Get of `epcs` (those the device's Get map lists, once known) and returns its TID and the answer
   * (Get_Res or Get_SNA), which rejects with TIMEOUT when none comes in time.
   */
  private get(object: EchonetObject, epcs: readonly string[]): { tid: number; answer: Promise<EchonetFrame> } {
    const readable = object.maps?.get;
    const wanted = [...new Set(epcs)].filter((epc) => !readable || readable.has(epc) || object.bindings.some((b) => b.profile.epc === epc));
    const { ip, eoj } = object.address;
    const tid = this.facade.send(ip, eoj, ESV.GET, wanted.map((epc) => ({ epc, edt: Buffer.alloc(0) })));
    const key = `${ip}/${tid}/${eoj}`;
    const timeout = Math.max(...object.bindings.map((b) => b.timeout));
    const answer = new Promise<EchonetFrame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingGets.delete(key);
        reject(new DeviceError('TIMEOUT', formatEchonetAddress(object.address), `no answer to Get (TID ${tid}) within ${timeout} ms`));
      }, timeout);
      this.pendingGets.set(key, { object, timer, answered: resolve, failed: reject });
    });
    return { tid, answer };
  }

  // ---- receiving ---------------------------------------------------------------------------------------------

  private receive({ from, frame }: ReceivedFrame): void {
    if (classOf(frame.seoj) === NODE_PROFILE_CLASS) {
      this.nodeProfile(from, frame);
      return;
    }
    const object = this.objects.get(`${from}/${frame.seoj}`);
    const key = `${from}/${frame.tid}/${frame.seoj}`;
    const set = this.pendingSets.get(key);
    if (set && (frame.esv === ESV.SET_RES || isRefusal(frame.esv))) {
      take(this.pendingSets, key);
      set.answered(frame);
      if (frame.esv === ESV.SET_RES) this.recovery.spoke(set.binding.actuatorId);
      return;
    }
    if (frame.esv !== ESV.GET_RES && frame.esv !== ESV.GET_SNA && frame.esv !== ESV.INF) return; // requests to our controller object and other services carry no device state
    if (!object) return this.unbound(from, frame);
    this.readMaps(object, frame);
    this.announce(object, frame);
    // After the report: the engine learns the device's state before it hears the device is back and re-dispatches.
    for (const { actuatorId } of object.bindings) {
      if (frame.esv === ESV.INF) this.recovery.spoke(actuatorId);
      else this.recovery.answered(actuatorId, frame.tid);
    }
    if (frame.esv !== ESV.INF) take(this.pendingGets, key)?.answered(frame); // none: late (after its timeout) or not ours
  }

  /** INF (0x73) and Get answers: the device's state, whoever changed it, and its fault status. */
  private announce(object: EchonetObject, frame: EchonetFrame): void {
    const where = formatEchonetAddress(object.address);
    for (const { epc, edt } of frame.properties) {
      if (edt.length === 0) continue; // a property the device does not have, in a Get_SNA
      if (epc === FAULT_STATUS) {
        for (const { actuatorId } of object.bindings) this.emitReading({ actuatorId, measure: 'fault', value: edt[0] === 0x41 ? 1 : 0 });
        continue;
      }
      const binding = this.byProperty.get(`${where}/${epc}`);
      if (!binding) continue;
      const state = binding.profile.decode(edt);
      if (state === undefined) {
        this.problem(binding.actuatorId, `EPC 0x${epc}`, `EDT 0x${edt.toString('hex')} from ${where} is no state of kind ${binding.profile.kind}`);
        continue;
      }
      if (frame.esv === ESV.INF && this.confirmedBy(binding, edt)) continue;
      this.emitReport({ actuatorId: binding.actuatorId, state });
    }
  }

  /**
   * A device announces the property it was just set to (status change INF), before its Set_Res or instead of a
   * Set_Res that got lost. Reporting it would look like a manual change (SPEC.md §5); it confirms the SetC instead.
   */
  private confirmedBy(binding: EchonetBinding, edt: Buffer): boolean {
    for (const [key, p] of this.pendingSets) {
      if (p.binding !== binding || !p.edt.equals(edt)) continue;
      take(this.pendingSets, key);
      p.done();
      return true;
    }
    return false;
  }

  /** The property maps of a Get answer: checked against what we need of the device, and kept to filter our Gets. */
  private readMaps(object: EchonetObject, frame: EchonetFrame): void {
    const where = formatEchonetAddress(object.address);
    for (const { epc, edt } of frame.properties) {
      if (!MAPS.includes(epc as (typeof MAPS)[number]) || edt.length === 0) continue;
      const map = decodePropertyMap(edt);
      if (typeof map === 'string') {
        this.problem(where, `EPC 0x${epc}`, `property map from ${where}: ${map}`);
        continue;
      }
      const maps = (object.maps ??= {});
      if (epc === PROPERTY_MAP.GET) maps.get = map;
      else if (epc === PROPERTY_MAP.SET) maps.set = map;
      else maps.announce = map;
      for (const { actuatorId, profile } of object.bindings) {
        if (map.has(profile.epc)) continue;
        if (epc === PROPERTY_MAP.SET) this.problem(actuatorId, `EPC 0x${epc}`, `${where} does not list EPC 0x${profile.epc} as settable (Set property map): it will refuse commands`);
        if (epc === PROPERTY_MAP.ANNOUNCE) this.problem(actuatorId, `EPC 0x${epc}`, `${where} does not announce changes of EPC 0x${profile.epc} (status change announcement map): a change by hand shows only when it is read`);
      }
    }
  }

  private unbound(from: string, frame: EchonetFrame): void {
    const object = `${from}/${frame.seoj}`;
    if (this.unknownObjects.has(object)) return;
    this.unknownObjects.add(object);
    this.problem(object, 'SEOJ', `no actuator is bound to ${object} (ESV 0x${hex(frame.esv)})`);
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
    const bound = this.objects.get(object)?.bindings[0];
    this.problem(bound?.actuatorId ?? object, fault.field, `malformed frame from ${object}: ${fault.message}`);
  }

  // ---- recovery ----------------------------------------------------------------------------------------------

  /** Every `probeInterval`, each object with an actuator awaiting an answer is asked for its state. */
  private armProbe(): void {
    if (this.probeTimer) return;
    this.probeTimer = setInterval(() => {
      const awaiting = new Set(this.recovery.unreachable);
      if (awaiting.size === 0) {
        clearInterval(this.probeTimer);
        this.probeTimer = undefined;
        return;
      }
      for (const object of this.objects.values()) {
        const ids = object.bindings.map((b) => b.actuatorId).filter((id) => awaiting.has(id));
        if (ids.length === 0) continue;
        const { tid, answer } = this.get(object, [...object.bindings.map((b) => b.profile.epc), FAULT_STATUS]);
        this.recovery.probing(ids, tid);
        // No answer to a probe changes nothing: the actuator stays unavailable and is asked again next time.
        answer.catch(() => undefined);
      }
    }, this.probeInterval);
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
    const where = formatEchonetAddress(binding.address);
    const object = this.objects.get(where) ?? this.objects.set(where, { address: binding.address, bindings: [] }).get(where)!;
    object.bindings.push(binding);
  }

  private forgetBindings(): void {
    this.byActuator.clear();
    this.byProperty.clear();
    this.objects.clear();
  }
}

/** Removes a request that is being answered (or failed) and stops its timer. */
function take<P extends Pending>(pending: Map<string, P>, key: string): P | undefined {
  const request = pending.get(key);
  if (!request) return undefined;
  pending.delete(key);
  clearTimeout(request.timer);
  return request;
}

function positive(value: number, field: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${NAME}: options.${field}: ${value} is not a positive number of milliseconds`);
  return value;
}
