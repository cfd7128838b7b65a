/**
 * Loaded with `--require` into the real zigbee2mqtt bridge that the tests run (real-bridge.ts). Before the bridge's
 * own code it: keeps the process on loopback (loopback-only.ts); makes `zigbee-herdsman`, as our test support
 * requires it, resolve to the copy zigbee2mqtt depends on, so that the fake coordinator subclasses the very
 * `Adapter` the bridge's Controller talks to; injects that fake at herdsman's `Adapter.create`, with the simulated
 * devices named in `HOME_ARBITER_Z2M_DEVICES`; and answers the test over the IPC channel (join a device, read or
 * change it, make it silent or refuse). Everything above the coordinator is zigbee2mqtt's and herdsman's own code.
 */
import Module from 'node:module';
import { dirname, join, sep } from 'node:path';
import { loopbackOnly } from './loopback-only';
import type { BridgeRequest, BridgeDeviceSpec } from './real-bridge-protocol';

const send = (message: object) => process.send?.(message);

loopbackOnly((what) => send({ type: 'refused', what }));

const Z2M_DIR = dirname(require.resolve('zigbee2mqtt/package.json'));
const HERDSMAN_DIR = dirname(require.resolve('zigbee-herdsman/package.json', { paths: [Z2M_DIR] }));
const OUR_TESTS = join(__dirname, '..', '..', '..') + sep; // dist/test/

type Resolve = (request: string, parent: { filename?: string } | undefined, ...rest: unknown[]) => string;
const modules = Module as unknown as { _resolveFilename: Resolve };
const resolve = modules._resolveFilename;
modules._resolveFilename = function (request, parent, ...rest) {
  const ours = parent?.filename?.startsWith(OUR_TESTS) === true;
  if (ours && (request === 'zigbee-herdsman' || request.startsWith('zigbee-herdsman/'))) request = HERDSMAN_DIR + request.slice('zigbee-herdsman'.length);
  return resolve.call(this, request, parent, ...rest);
};

/* eslint-disable @typescript-eslint/no-require-imports -- after the resolution hook, on purpose */
const { Adapter } = require('zigbee-herdsman/dist/adapter') as typeof import('zigbee-herdsman/dist/adapter');
const { FakeCoordinator } = require('../../zigbee-herdsman/support/fake-coordinator') as typeof import('../../zigbee-herdsman/support/fake-coordinator');
const devices = require('../../zigbee-herdsman/support/simulated-device') as typeof import('../../zigbee-herdsman/support/simulated-device');
/* eslint-enable @typescript-eslint/no-require-imports */

const FACTORIES = { lock: devices.doorLock, cover: devices.windowCovering, plug: devices.onOffPlug } as const;
const specs = JSON.parse(process.env.HOME_ARBITER_Z2M_DEVICES ?? '[]') as BridgeDeviceSpec[];
const coordinator = new FakeCoordinator(
  specs.map((s) => {
    const device = FACTORIES[s.type](s.ieeeAddr, s.networkAddress);
    for (const [cluster, values] of Object.entries(s.attributes ?? {})) device.set(cluster, values);
    return device;
  }),
);
Adapter.create = async () => coordinator;

process.on('message', (message: BridgeRequest) => {
  try {
    send({ type: 'answer', id: message.id, result: answer(message) });
  } catch (err) {
    send({ type: 'answer', id: message.id, error: err instanceof Error ? err.message : String(err) });
  }
});

function answer(request: BridgeRequest): unknown {
  switch (request.op) {
    case 'join':
      return coordinator.join(request.ieeeAddr);
    case 'attributes':
      return Object.fromEntries(coordinator.device(request.ieeeAddr).clusters.map((c) => [c, attributesOf(request.ieeeAddr, c)]));
    case 'behave':
      coordinator.device(request.ieeeAddr).behaviour = request.behaviour;
      return undefined;
    case 'change':
      return coordinator.changeAtDevice(request.ieeeAddr, request.cluster, request.values);
    case 'commands':
      return coordinator.commandsTo(request.ieeeAddr).map((f) => ({ cluster: f.cluster, command: f.command, payload: f.payload }));
    case 'reads':
      return coordinator.frames.filter((f) => f.ieeeAddr === request.ieeeAddr && f.global && f.command === 'read').length;
  }
}

function attributesOf(ieeeAddr: string, cluster: string): Record<string, number | undefined> {
  const device = coordinator.device(ieeeAddr);
  const names = Object.keys(device.spec.clusters[cluster] ?? {});
  return Object.fromEntries(names.map((n) => [n, device.attribute(cluster, n)]));
}
