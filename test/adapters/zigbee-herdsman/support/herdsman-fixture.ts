import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { SinonStub } from 'sinon';
import { Adapter } from 'zigbee-herdsman/dist/adapter';
import type { ActuatorBinding, AdapterProblem, AvailabilityChange, DeviceReport } from '../../../../adapters/device-adapter';
import { ZigbeeHerdsmanAdapter } from '../../../../adapters/zigbee-herdsman';
import { sandbox } from '../../../support/setup';
import { FakeCoordinator } from './fake-coordinator';
import type { SimulatedDevice } from './simulated-device';

/** Short, so that the timeout tests stay quick; a real network would use herdsman's 10 s. */
export const COMMAND_TIMEOUT = 300;

export interface HerdsmanFixture {
  readonly adapter: ZigbeeHerdsmanAdapter;
  readonly coordinator: FakeCoordinator;
  readonly dataDir: string;
  readonly reports: DeviceReport[];
  readonly availability: AvailabilityChange[];
  readonly problems: AdapterProblem[];
}

/**
 * A real herdsman Controller over a FakeCoordinator: `Adapter.create` (how the controller picks its coordinator
 * driver) is stubbed to return the fake. The database lives in `dataDir` (a fresh temp dir unless given).
 */
export function herdsmanFixture(
  devices: readonly SimulatedDevice[],
  dataDir = mkdtempSync(join(tmpdir(), 'home-arbiter-herdsman-')),
  probeInterval?: number,
): HerdsmanFixture {
  const coordinator = new FakeCoordinator(devices);
  // A second fixture in one test (a restart) re-points the stub the first one made.
  const create = 'resolves' in Adapter.create ? (Adapter.create as SinonStub) : sandbox.stub(Adapter, 'create');
  create.resolves(coordinator);
  const adapter = new ZigbeeHerdsmanAdapter({
    dataDir,
    serialPort: { adapter: 'zstack', path: '/dev/fake-coordinator' },
    commandTimeout: COMMAND_TIMEOUT,
    ...(probeInterval === undefined ? {} : { probeInterval }),
    logger: pino({ level: 'silent' }),
  });
  const fixture: HerdsmanFixture = { adapter, coordinator, dataDir, reports: [], availability: [], problems: [] };
  adapter.reports$.subscribe((r) => fixture.reports.push(r));
  adapter.availability$.subscribe((a) => fixture.availability.push(a));
  adapter.problems$.subscribe((p) => fixture.problems.push(p));
  return fixture;
}

/** Each device joins and herdsman interviews it; resolves once every actuator bound to them is reachable. */
export async function pair(fixture: HerdsmanFixture, devices: readonly SimulatedDevice[], bindings: readonly ActuatorBinding[]): Promise<void> {
  for (const device of devices) fixture.coordinator.join(device.ieeeAddr);
  const ieee = new Set(devices.map((d) => d.ieeeAddr));
  const expected = bindings.filter((b) => ieee.has(b.address.split('/')[0]));
  await eventually(() => expected.every((b) => lastAvailability(fixture, b.actuatorId) === true), `${expected.map((b) => b.actuatorId).join(', ')} reachable after the interview`);
}

export function lastAvailability(fixture: HerdsmanFixture, actuatorId: string): boolean | undefined {
  return fixture.availability.filter((a) => a.actuatorId === actuatorId).at(-1)?.available;
}

export async function closeFixture(fixture: HerdsmanFixture | undefined): Promise<void> {
  if (!fixture) return;
  await fixture.adapter.stop();
  rmSync(fixture.dataDir, { recursive: true, force: true });
}

/** Waits for something the network does asynchronously; fails naming what did not happen. */
export async function eventually(check: () => boolean, what: string, timeout = 5000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
