import { ReplaySubject, type Subscription } from 'rxjs';
import type { ActuatorBinding, AdapterProblem, AvailabilityChange, DeviceReport } from '../../../../adapters/device-adapter';
import { Zigbee2MqttAdapter, type Zigbee2MqttOptions } from '../../../../adapters/zigbee2mqtt';
import { MqttBroker } from '../../support/mqtt-broker';
import { stopAll } from '../../support/stop-all';
import { BridgeEmulator } from './bridge-emulator';

/** The test home: friendly names with a space and a slash, as people name their devices. */
export const BINDINGS: readonly ActuatorBinding[] = [
  { actuatorId: 'front.lock', kind: 'lock', adapter: 'zigbee2mqtt', address: 'front door' },
  { actuatorId: 'living.window', kind: 'window', adapter: 'zigbee2mqtt', address: 'living/window' },
  { actuatorId: 'living.blind', kind: 'blind', adapter: 'zigbee2mqtt', address: 'living blind', options: { property: 'position' } },
  { actuatorId: 'hall.light', kind: 'light', adapter: 'zigbee2mqtt', address: 'hall light' },
];

export function emulatorFor(url: string): BridgeEmulator {
  return new BridgeEmulator(url)
    .addDevice('front door', 'lock', { state: 'LOCK', lock_state: 'locked' })
    .addDevice('living/window', 'cover', { state: 'CLOSE', position: 0 })
    .addDevice('living blind', 'cover', { state: 'OPEN', position: 100 })
    .addDevice('hall light', 'switch', { state: 'OFF' });
}

/**
 * A real MQTT broker, the bridge emulator and a started adapter, with everything the adapter emits recorded
 * (replayed to late subscribers, so a test can wait for something that already happened).
 */
export class Z2mHome {
  readonly broker = new MqttBroker();
  emulator!: BridgeEmulator;
  adapter!: Zigbee2MqttAdapter;
  readonly reports = new ReplaySubject<DeviceReport>();
  readonly availability = new ReplaySubject<AvailabilityChange>();
  readonly problems = new ReplaySubject<AdapterProblem>();
  readonly reportLog: DeviceReport[] = [];
  readonly problemLog: AdapterProblem[] = [];
  private subscriptions: Subscription[] = [];

  /** Broker, emulator (its bridge online) and adapter, in that order. */
  static async start(options: Partial<Zigbee2MqttOptions> = {}): Promise<Z2mHome> {
    const home = new Z2mHome();
    try {
      await home.startBrokerAndBridge();
      await home.startAdapter(options);
    } catch (err) {
      await home.stop();
      throw err;
    }
    return home;
  }

  async startBrokerAndBridge(): Promise<void> {
    await this.broker.start();
    await this.startEmulator();
  }

  async startEmulator(): Promise<void> {
    this.emulator = emulatorFor(this.broker.url);
    await this.emulator.start();
  }

  /**
   * Starts the adapter and waits for every device's answer to its start-up read (`<name>/get`); what the adapter
   * reports from then on is recorded, so that a test sees the effects of what it does. With `awaitAnswers` false
   * (a bridge that is offline answers nothing) everything is recorded from the start.
   */
  async startAdapter(options: Partial<Zigbee2MqttOptions> = {}, bindings = BINDINGS, awaitAnswers = true): Promise<void> {
    this.adapter = new Zigbee2MqttAdapter({ url: this.broker.url, timeout: '2s', ...options });
    const answered = new Set<string>();
    let startUp = awaitAnswers;
    this.subscriptions = [
      this.adapter.reports$.subscribe((r) => startUp || (this.reportLog.push(r), this.reports.next(r))),
      this.adapter.availability$.subscribe((a) => (startUp && a.available ? answered.add(a.actuatorId) : this.availability.next(a))),
      this.adapter.problems$.subscribe((p) => (this.problemLog.push(p), this.problems.next(p))),
    ];
    await this.adapter.start(bindings);
    const deadline = Date.now() + 5000;
    while (startUp && bindings.some((b) => !answered.has(b.actuatorId))) {
      if (Date.now() > deadline) throw new Error(`no start-up answer from ${bindings.filter((b) => !answered.has(b.actuatorId)).map((b) => b.address).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    startUp = false;
  }

  /** Stops adapter, emulator and broker, whatever got started. */
  async stop(): Promise<void> {
    for (const s of this.subscriptions) s.unsubscribe();
    await stopAll(
      () => this.adapter?.stop(),
      () => this.emulator?.stop(),
      () => this.broker.stop(),
    );
  }
}
