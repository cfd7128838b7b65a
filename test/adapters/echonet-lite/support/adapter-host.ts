import { Subscription } from 'rxjs';
import { Arbiter } from '../../../../engine/arbiter';
import { buildCoreConfig, deviceBindings, type RawArbiterConfig } from '../../../../engine/config/arbiter-config';
import type { ActuatorBinding, DeviceAdapter } from '../../../../adapters/device-adapter';
import { DeviceRouter } from '../../../../adapters/device-router';
import { SqliteStore } from '../../../../engine/store/sqlite-store';
import { EchonetLiteAdapter, type EchonetLiteAdapterOptions } from '../../../../adapters/echonet-lite';
import { emit, serveLines } from './line-server';

/**
 * The controller side of the tests, inside its own network namespace (a process has one instance of the
 * `echonet-lite` package, and the test process cannot enter a namespace): it hosts the adapter alone, or the
 * engine with a DeviceRouter over the adapter, and streams what they emit as events.
 */
let adapter: EchonetLiteAdapter | undefined;
let arbiter: Arbiter | undefined;
let router: DeviceRouter | undefined;
const subscription = new Subscription();

function watch(a: DeviceAdapter): void {
  subscription.add(a.reports$.subscribe((r) => emit('report', r)));
  subscription.add(a.availability$.subscribe((r) => emit('availability', r)));
  subscription.add(a.problems$.subscribe((p) => emit('problem', p)));
  subscription.add(a.readings$.subscribe((r) => emit('reading', r)));
}

function started(): EchonetLiteAdapter {
  if (!adapter) throw new Error('the adapter is not started');
  return adapter;
}

function engine(): Arbiter {
  if (!arbiter) throw new Error('the engine is not started');
  return arbiter;
}

serveLines(
  {
    start: async (args) => {
      adapter = new EchonetLiteAdapter(args.options as EchonetLiteAdapterOptions);
      watch(adapter);
      await adapter.start(args.bindings as ActuatorBinding[]);
    },
    /** A second adapter in the same process, while the first runs: the package allows one instance. */
    startAnother: async () => {
      const another = new EchonetLiteAdapter();
      try {
        await another.start([]);
      } finally {
        await another.stop();
      }
    },
    apply: (args) => started().apply(String(args.actuatorId), args.state as string | number),
    read: (args) => started().read(String(args.actuatorId)),
    discover: (args) => started().discover(Number(args.window)),
    stop: () => started().stop(),
    /**
     * `config` is a scenario-style configuration whose actuators carry `device` bindings; `store` a SQLite file
     * (memory without it); `retryEvery` how soon the router starts a failed adapter again.
     */
    engineStart: async (args) => {
      const config = buildCoreConfig(args.config);
      adapter = new EchonetLiteAdapter(args.options as EchonetLiteAdapterOptions);
      watch(adapter);
      // Valid now, so its device entries have the shape of RawArbiterConfig's.
      router = new DeviceRouter([adapter], deviceBindings(args.config as RawArbiterConfig), { retryEvery: Number(args.retryEvery ?? 30_000) });
      const store = typeof args.store === 'string' ? new SqliteStore(args.store) : undefined;
      arbiter = new Arbiter({ config, devices: router, ...(store ? { store } : {}) });
      subscription.add(arbiter.events$.subscribe((e) => emit('arbiter', e)));
      emit('adapters', await router.start(arbiter));
      await arbiter.start();
    },
    command: (args) => engine().command(args as { system: string; target: string; state: string }),
    release: (args) => engine().release(String(args.system), String(args.target)),
    facts: (args) => engine().setFacts(args),
    view: (args) => engine().view(String(args.id)),
  },
  async () => {
    await arbiter?.stop();
    await router?.stop();
    await adapter?.stop();
    subscription.unsubscribe();
  },
);
emit('ready', {});
