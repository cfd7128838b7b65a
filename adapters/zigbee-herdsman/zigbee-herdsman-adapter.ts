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

  /** herdsman keeps its devices, database and driver in static fields: one running controller per process. */
  private static running?: ZigbeeHerdsmanAdapter;
  #controller?: Controller;
  private readonly bound = new Map<string /* actuator id */, BoundActuator>();
  private readonly byIeee = new Map<string /* IEEE address */, BoundActuator[]>();
  private readonly unreachable = new Set<string /* actuator id */>();
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
      this.status = 'stopped';
      ZigbeeHerdsmanAdapter.running = undefined;
      this.complete();
      throw new Error(`${NAME}: the coordinator did not start (${(err as Error).message})`, { cause: err });
    }
    this.#controller = controller;
    this.status = 'running';
    for (const actuator of this.bound.values()) {
      const device = controller.getDeviceByIeeeAddr(actuator.ieeeAddr);
      const endpoint = this.endpointOf(actuator, device, true);
      if (endpoint) this.readState(actuator, endpoint);
      else this.setReachable(actuator, false, device ? 'cluster missing' : 'not paired');
    }
  }

  async apply(actuatorId: string, state: StateValue): Promise<void> {
    const actuator = this.bound.get(actuatorId);
    if (!actuator) throw new DeviceError('UNKNOWN_DEVICE', actuatorId, `no ${NAME} binding for this actuator`);
    const controller = this.#controller;
    if (this.status !== 'running' || !controller) throw new DeviceError('OFFLINE', actuatorId, `${NAME} is not running`);
    const device = controller.getDeviceByIeeeAddr(actuator.ieeeAddr);
    if (!device || device.isDeleted) throw new DeviceError('UNKNOWN_DEVICE', actuatorId, `no device ${actuator.ieeeAddr} on the network (not paired, or it left)`);
    const endpoint = this.endpointOf(actuator, device, false);
    if (!endpoint) throw new DeviceError('UNSUPPORTED', actuatorId, `device ${actuator.ieeeAddr} has no endpoint serving ${actuator.mapping.cluster}`);
    const command = await actuator.mapping.command(state).catch((err: Error) => {
      throw new DeviceError('UNSUPPORTED', actuatorId, `the converter refused state ${JSON.stringify(state)} (${err.message})`);
    });
    if (!command) throw new DeviceError('UNSUPPORTED', actuatorId, `state ${JSON.stringify(state)} has no ${actuator.mapping.cluster} command`);
    let response: Record<string, unknown> | undefined;
    try {
      response = await endpoint.command(command.cluster as never, command.command as never, command.payload as never, {
        timeout: this.options.commandTimeout ?? DEFAULT_COMMAND_TIMEOUT,
      });
    } catch (err) {
      if (err instanceof Zcl.StatusError) throw this.refused(actuator, command.command, err.code);
      // Anything else (waitress timeout, MAC no-ACK, route error) means the device did not confirm.
      this.setReachable(actuator, false, `no answer to ${command.cluster}.${command.command}`);
      throw new DeviceError('TIMEOUT', actuatorId, `${actuator.ieeeAddr} did not confirm ${command.cluster}.${command.command} (${(err as Error).message})`);
    }
    // The Lock Door Response carries `status` (ZCL 7.3, door lock); the default response to upOpen, on, ... carries
    // `statusCode` (ZCL 2.5.12).
    const status = response?.status ?? response?.statusCode;
    if (typeof status === 'number' && status !== Zcl.Status.SUCCESS) throw this.refused(actuator, command.command, status);
  }

  /** Stops the controller: herdsman saves its database, closes the coordinator and clears its timers. */
  async stop(): Promise<void> {
    if (this.status === 'stopped') return;
    this.status = 'stopped';
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
    for (const actuator of this.byIeee.get(ieeeAddr) ?? []) this.setReachable(actuator, false, 'left the Zigbee network');
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
      this.setReachable(actuator, true);
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
    endpoint.read(cluster, [attribute] as never, { timeout: this.options.commandTimeout ?? DEFAULT_COMMAND_TIMEOUT }).catch((err: Error) => {
      if (this.status === 'running') this.setReachable(actuator, false, `no answer to reading ${cluster}.${attribute} (${err.message})`);
    });
  }

  /** Any frame or announce from an interviewed device we had written off makes it reachable again. */
  private onHeardFrom({ device }: LastSeenChangedPayload): void {
    if (device.interviewState !== InterviewState.Successful) return;
    for (const actuator of this.byIeee.get(device.ieeeAddr) ?? []) {
      if (this.unreachable.has(actuator.actuatorId) && this.endpointOf(actuator, device, false)) this.setReachable(actuator, true);
    }
  }

  private onCoordinatorLost(): void {
    for (const actuator of this.bound.values()) this.setReachable(actuator, false, 'the Zigbee coordinator disconnected');
  }

  private setReachable(actuator: BoundActuator, available: boolean, reason?: string): void {
    if (available === !this.unreachable.has(actuator.actuatorId)) return;
    if (available) this.unreachable.delete(actuator.actuatorId);
    else this.unreachable.add(actuator.actuatorId);
    this.emitAvailability({ actuatorId: actuator.actuatorId, available, ...(reason ? { reason } : {}) });
  }

  /**
   * The device answered and said no. The engine then treats it as unreachable; we note that too, so that the next
   * frame from the device (it is there, after all) makes it reachable again rather than a retry loop.
   */
  private refused(actuator: BoundActuator, command: string, status: number): DeviceError {
    this.setReachable(actuator, false, `refused ${command}`);
    return new DeviceError('REFUSED', actuator.actuatorId, `${actuator.ieeeAddr} refused ${actuator.mapping.cluster}.${command} with ZCL status ${Zcl.Status[status] ?? status}`);
  }

  private problem(device: string, field: string, message: string): void {
    this.emitProblem({ adapter: NAME, device, field, message });
  }
}
