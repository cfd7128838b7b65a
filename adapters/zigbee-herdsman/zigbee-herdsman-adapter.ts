import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { Controller, Zcl, setLogger as setHerdsmanLogger } from 'zigbee-herdsman';
import type { NetworkOptions, SerialPortOptions } from 'zigbee-herdsman/dist/adapter/tstype';
import type { DeviceInterviewPayload, DeviceLeavePayload, LastSeenChangedPayload, MessagePayload } from 'zigbee-herdsman/dist/controller/events';
import type { Device, Endpoint } from 'zigbee-herdsman/dist/controller/model';
import { InterviewState } from 'zigbee-herdsman/dist/controller/model/device';
import { setLogger as setConvertersLogger } from 'zigbee-herdsman-converters';
import type { StateValue } from '../../engine/core/actuator';
import { DeviceError, type ActuatorBinding, type DeviceAdapter } from '../device-adapter';
import { DeviceRecovery } from '../device-recovery';
import { clusterMappingFor, type ClusterMapping } from './cluster-mapping';
import { herdsmanLogger } from './herdsman-logger';
import { parseZigbeeAddress, type ZigbeeAddress } from './zigbee-address';
import { AdapterStreams } from '../adapter-streams';

export interface ZigbeeHerdsmanOptions {
  /** Folder for herdsman's device database and coordinator backup; created if missing. */
  readonly dataDir: string;
  /** The coordinator's serial port; naming `adapter` (zstack, ember, ...) skips herdsman's USB discovery. */
  readonly serialPort?: SerialPortOptions;
  /** PAN id, channel and keys; herdsman's defaults otherwise (PAN 0x1a62 and channel 11 here). */
  readonly network?: Partial<NetworkOptions>;
  /** How long a device has to confirm a command, in ms (herdsman's ZCL response timeout). Default 10 s. */
  readonly commandTimeout?: number;
  /** How often a device that failed (time-out, refusal) or has not answered since start is read again, ms. Default 30 s. */
  readonly probeInterval?: number;
  /** Receives herdsman's and the converters' log lines. Default: pino at `warn`. */
  readonly logger?: pino.Logger;
}

interface BoundActuator extends ZigbeeAddress {
  readonly actuatorId: string;
  readonly mapping: ClusterMapping;
}

type Status = 'created' | 'starting' | 'running' | 'stopped';

const NAME = 'zigbee-herdsman';
const DEFAULT_COMMAND_TIMEOUT = 10_000;
const DEFAULT_PROBE_INTERVAL = 30_000;

/**
 * Drives Zigbee devices through a zigbee-herdsman Controller (coordinator on a serial port), mapping states to ZCL
 * commands with zigbee-herdsman-converters. The controller and its Device objects stay private: outward we speak
 * actuator ids and states only (STYLE.md, one adapter class per protocol).
 *
 * Availability: a device that leaves the network (ZDO leave) or does not answer a command in time is reported
 * unreachable; the next frame heard from it, a re-join or an announce makes it reachable again (SPEC.md §4).
 */
export class ZigbeeHerdsmanAdapter extends AdapterStreams implements DeviceAdapter {
  readonly name = NAME;
  readonly exclusive = true;

  /** herdsman keeps its devices, database and driver in static fields: one running controller per process. */
  private static running?: ZigbeeHerdsmanAdapter;
  #controller?: Controller;
  private readonly bound = new Map<string /* actuator id */, BoundActuator>();
  private readonly byIeee = new Map<string /* IEEE address */, BoundActuator[]>();
  private readonly recovery = new DeviceRecovery<StateValue>((change) => this.emitAvailability(change));
  private probeTimer?: NodeJS.Timeout;
  private status: Status = 'created';

  constructor(private readonly options: ZigbeeHerdsmanOptions) {
    super();
  }

  /** Starts the controller (opening the coordinator) and checks each binding against herdsman's database. */
  async start(bindings: readonly ActuatorBinding[]): Promise<void> {
    if (this.status !== 'created') throw new Error(`${NAME}: start: the adapter is already ${this.status}`);
    if (ZigbeeHerdsmanAdapter.running) throw new Error(`${NAME}: start: another adapter (data dir ${ZigbeeHerdsmanAdapter.running.options.dataDir}) is running in this process`);
    ZigbeeHerdsmanAdapter.running = this;
    this.status = 'starting';
    for (const binding of bindings) this.bind(binding);
    const logger = herdsmanLogger(this.options.logger ?? pino({ name: NAME, level: 'warn' }));
    setHerdsmanLogger(logger);
    setConvertersLogger(logger);
    mkdirSync(this.options.dataDir, { recursive: true });
    const controller = new Controller({
      network: { panID: 0x1a62, channelList: [11], ...this.options.network },
      serialPort: { ...this.options.serialPort },
      databasePath: join(this.options.dataDir, 'database.db'),
      databaseBackupPath: join(this.options.dataDir, 'database.db.backup'),
      backupPath: join(this.options.dataDir, 'coordinator_backup.json'),
      adapter: { disableLED: false },
      // Who may join is decided by permit-join on the coordinator, not per device here.
      acceptJoiningDeviceHandler: async () => true,
    });
    controller.on('message', (message) => this.onMessage(message));
    controller.on('deviceLeave', (payload) => this.onDeviceLeave(payload));
    controller.on('lastSeenChanged', (payload) => this.onHeardFrom(payload));
    controller.on('deviceInterview', ({ status, device }) => this.onInterview(status, device));
    controller.on('adapterDisconnected', () => this.onCoordinatorLost());
    try {
      await controller.start();
    } catch (err) {
      // Ready to start again (the router retries): herdsman let go of the coordinator when its start failed.
      controller.removeAllListeners();
      this.status = 'created';
      this.bound.clear();
      this.byIeee.clear();
      ZigbeeHerdsmanAdapter.running = undefined;
      throw new Error(`${NAME}: the coordinator did not start (${(err as Error).message})`, { cause: err });
    }
    this.#controller = controller;
    this.status = 'running';
    // Each actuator's first answer says it is available, whatever the engine's store restored (SPEC.md §4).
    this.recovery.expectFirstAnswer(this.bound.keys(), undefined);
    for (const actuator of this.bound.values()) {
      const device = controller.getDeviceByIeeeAddr(actuator.ieeeAddr);
      const endpoint = this.endpointOf(actuator, device, true);
      if (endpoint) this.readState(actuator, endpoint);
      else this.setUnreachable(actuator, device ? 'cluster missing' : 'not paired');
    }
    this.probeTimer = setInterval(() => this.probe(), this.options.probeInterval ?? DEFAULT_PROBE_INTERVAL);
  }

  /** A ZCL read of the actuator's attribute; the read response is also a report. */
  async read(actuatorId: string): Promise<StateValue> {
    const { actuator, endpoint } = this.target(actuatorId);
    const { cluster, attribute } = actuator.mapping;
    let values: Record<string, unknown>;
    try {
      values = await endpoint.read(cluster, [attribute] as never, { timeout: this.commandTimeout });
    } catch (err) {
      const timedOut = new DeviceError('TIMEOUT', actuatorId, `${actuator.ieeeAddr} did not answer reading ${cluster}.${attribute} (${(err as Error).message})`);
      this.recovery.timedOut(actuatorId, timedOut.message);
      throw timedOut;
    }
    const reading = actuator.mapping.read({ type: 'readResponse', cluster, data: values, endpoint, device: endpoint.getDevice() } as never);
    if (!reading || 'problem' in reading) throw new DeviceError('UNSUPPORTED', actuatorId, `${actuator.ieeeAddr} gave no state in ${cluster}.${attribute}${reading ? `: ${reading.problem}` : ''}`);
    return reading.state;
  }

  async apply(actuatorId: string, state: StateValue): Promise<void> {
    const { actuator, endpoint } = this.target(actuatorId);
    const command = await actuator.mapping.command(state).catch((err: Error) => {
      throw new DeviceError('UNSUPPORTED', actuatorId, `the converter refused state ${JSON.stringify(state)} (${err.message})`);
    });
    if (!command) throw new DeviceError('UNSUPPORTED', actuatorId, `state ${JSON.stringify(state)} has no ${actuator.mapping.cluster} command`);
    let response: Record<string, unknown> | undefined;
    try {
      response = await endpoint.command(command.cluster as never, command.command as never, command.payload as never, {
        timeout: this.commandTimeout,
      });
    } catch (err) {
      if (err instanceof Zcl.StatusError) throw this.refused(actuator, state, command.command, err.code);
      // Anything else (waitress timeout, MAC no-ACK, route error) means the device did not confirm.
      const timedOut = new DeviceError('TIMEOUT', actuatorId, `${actuator.ieeeAddr} did not confirm ${command.cluster}.${command.command} (${(err as Error).message})`);
      this.recovery.timedOut(actuatorId, timedOut.message, state);
      throw timedOut;
    }
    // The Lock Door Response carries `status` (ZCL 7.3, door lock); the default response to upOpen, on, ... carries
    // `statusCode` (ZCL 2.5.12).
    const status = response?.status ?? response?.statusCode;
    if (typeof status === 'number' && status !== Zcl.Status.SUCCESS) throw this.refused(actuator, state, command.command, status);
    this.recovery.spoke(actuatorId);
  }

  private get commandTimeout(): number {
    return this.options.commandTimeout ?? DEFAULT_COMMAND_TIMEOUT;
  }

  /** The actuator and the endpoint serving its cluster, or the DeviceError saying why there is none. */
  private target(actuatorId: string): { actuator: BoundActuator; endpoint: Endpoint } {
    const actuator = this.bound.get(actuatorId);
    if (!actuator) throw new DeviceError('UNKNOWN_DEVICE', actuatorId, `no ${NAME} binding for this actuator`);
    const controller = this.#controller;
    if (this.status !== 'running' || !controller) throw new DeviceError('OFFLINE', actuatorId, `${NAME} is not running`);
    const device = controller.getDeviceByIeeeAddr(actuator.ieeeAddr);
    if (!device || device.isDeleted) throw new DeviceError('UNKNOWN_DEVICE', actuatorId, `no device ${actuator.ieeeAddr} on the network (not paired, or it left)`);
    const endpoint = this.endpointOf(actuator, device, false);
    if (!endpoint) throw new DeviceError('UNSUPPORTED', actuatorId, `device ${actuator.ieeeAddr} has no endpoint serving ${actuator.mapping.cluster}`);
    return { actuator, endpoint };
  }

  /** Stops the controller: herdsman saves its database, closes the coordinator and clears its timers. */
  async stop(): Promise<void> {
    if (this.status === 'stopped') return;
    this.status = 'stopped';
    clearInterval(this.probeTimer);
    this.recovery.clear();
    const controller = this.#controller;
    this.#controller = undefined;
    try {
      if (controller) {
        controller.removeAllListeners();
        await controller.stop();
      }
    } finally {
      if (ZigbeeHerdsmanAdapter.running === this) ZigbeeHerdsmanAdapter.running = undefined;
      this.complete();
    }
  }

  private complete(): void {
    this.completeStreams();
  }

  private bind(binding: ActuatorBinding): void {
    const address = parseZigbeeAddress(binding.address);
    if (typeof address === 'string') return this.problem(binding.actuatorId, 'address', address);
    const mapping = clusterMappingFor(binding.kind, binding.options);
    if (!mapping) return this.problem(binding.actuatorId, 'kind', `kind "${binding.kind}" has no Zigbee cluster here (lock, window, shutter, blind, switch, light, ac, av)`);
    const actuator: BoundActuator = { ...address, actuatorId: binding.actuatorId, mapping };
    this.bound.set(actuator.actuatorId, actuator);
    this.byIeee.set(actuator.ieeeAddr, [...(this.byIeee.get(actuator.ieeeAddr) ?? []), actuator]);
  }

  /** The endpoint serving the actuator's cluster; with `report`, says why there is none on problems$. */
  private endpointOf(actuator: BoundActuator, device: Device | undefined, report: boolean): Endpoint | undefined {
    const where = `${actuator.ieeeAddr}${actuator.endpoint === undefined ? '' : `/${actuator.endpoint}`}`;
    if (!device || device.isDeleted) {
      if (report) this.problem(actuator.actuatorId, 'address', `no device ${actuator.ieeeAddr} in the herdsman database (not paired yet?)`);
      return undefined;
    }
    const candidates = actuator.endpoint === undefined ? device.endpoints : [device.getEndpoint(actuator.endpoint)].filter((e) => e !== undefined);
    const endpoint = candidates.find((e) => e.supportsInputCluster(actuator.mapping.cluster));
    if (!endpoint && report) this.problem(actuator.actuatorId, 'cluster', `${where} does not serve ${actuator.mapping.cluster} (unsupported cluster)`);
    return endpoint;
  }

  private onMessage(message: MessagePayload): void {
    if (message.type !== 'attributeReport' && message.type !== 'readResponse') return;
    for (const actuator of this.byIeee.get(message.device.ieeeAddr) ?? []) {
      if (actuator.mapping.cluster !== message.cluster) continue;
      if (actuator.endpoint !== undefined && actuator.endpoint !== message.endpoint.ID) continue;
      const reading = actuator.mapping.read(message);
      if (!reading) continue;
      if ('problem' in reading) this.problem(actuator.actuatorId, reading.field, `${actuator.ieeeAddr} reported ${message.cluster}.${reading.field}: ${reading.problem}`);
      else this.emitReport({ actuatorId: actuator.actuatorId, state: reading.state });
    }
  }

  private onDeviceLeave({ ieeeAddr }: DeviceLeavePayload): void {
    for (const actuator of this.byIeee.get(ieeeAddr) ?? []) this.setUnreachable(actuator, 'left the Zigbee network');
  }

  /** A (re-)joined device whose clusters herdsman now knows: its actuators become reachable, or we say why not. */
  private onInterview(status: DeviceInterviewPayload['status'], device: Device): void {
    if (status === 'started') return;
    for (const actuator of this.byIeee.get(device.ieeeAddr) ?? []) {
      if (status === 'failed') {
        this.problem(actuator.actuatorId, 'address', `herdsman could not interview ${device.ieeeAddr}; pair it again`);
        continue;
      }
      const endpoint = this.endpointOf(actuator, device, true);
      if (!endpoint) continue;
      this.recovery.spoke(actuator.actuatorId);
      this.readState(actuator, endpoint);
    }
  }

  /**
   * Asks the device for its state (ZCL read attributes): the read response arrives as a `message` and becomes a
   * report, so the engine learns what changed while we were not listening (SPEC.md §5). Not awaited: start() must
   * not wait for sleepy devices; no answer makes the actuator unreachable.
   */
  private readState(actuator: BoundActuator, endpoint: Endpoint): void {
    const { cluster, attribute } = actuator.mapping;
    endpoint.read(cluster, [attribute] as never, { timeout: this.commandTimeout }).catch((err: Error) => {
      if (this.status === 'running') this.setUnreachable(actuator, `no answer to reading ${cluster}.${attribute} (${err.message})`);
    });
  }

  /** Every `probeInterval`, each actuator that failed or has not answered since start is read again. */
  private probe(): void {
    const controller = this.#controller;
    for (const id of this.recovery.unreachable) {
      const actuator = this.bound.get(id)!;
      const endpoint = controller && this.endpointOf(actuator, controller.getDeviceByIeeeAddr(actuator.ieeeAddr), false);
      // No answer to a probe changes nothing: the actuator stays unavailable and is read again next time.
      if (endpoint) endpoint.read(actuator.mapping.cluster, [actuator.mapping.attribute] as never, { timeout: this.commandTimeout }).catch(() => undefined);
    }
  }

  /** Any frame or announce from an interviewed device answers the recovery (device-recovery.ts). */
  private onHeardFrom({ device }: LastSeenChangedPayload): void {
    if (device.interviewState !== InterviewState.Successful) return;
    for (const actuator of this.byIeee.get(device.ieeeAddr) ?? []) {
      if (this.endpointOf(actuator, device, false)) this.recovery.answered(actuator.actuatorId);
    }
  }

  private onCoordinatorLost(): void {
    for (const actuator of this.bound.values()) this.setUnreachable(actuator, 'the Zigbee coordinator disconnected');
  }

  private setUnreachable(actuator: BoundActuator, reason: string): void {
    this.recovery.timedOut(actuator.actuatorId, reason);
  }

  /**
   * The device answered and said no. The engine then treats it as unreachable; the recovery probes it and the
   * device's next answers make it reachable again, more of them the more often it refused the same state.
   */
  private refused(actuator: BoundActuator, state: StateValue, command: string, status: number): DeviceError {
    const err = new DeviceError('REFUSED', actuator.actuatorId, `${actuator.ieeeAddr} refused ${actuator.mapping.cluster}.${command} with ZCL status ${Zcl.Status[status] ?? status}`);
    this.recovery.refused(actuator.actuatorId, state, err.message);
    return err;
  }

  private problem(device: string, field: string, message: string): void {
    this.emitProblem({ adapter: NAME, device, field, message });
  }
}
