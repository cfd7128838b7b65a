import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Arbiter } from '../engine/arbiter';
import { RealClock } from '../engine/clock';
import { buildCoreConfig } from '../engine/config/arbiter-config';
import { silentLogger, type DecisionLogger } from '../engine/decision-logger';
import type { ArbiterStore } from '../engine/store/arbiter-store';
import { MemoryStore } from '../engine/store/memory-store';
import { ThreadedStore } from '../engine/store/threaded-store';
import { FsyncOnlyStore } from './fsync-only-store';
import { CommandGenerator, homeConfig, type HomeShape } from './workload';

/** `fsync`: FsyncOnlyStore, the disk's floor under `sqlite`. */
export type StoreKind = 'sqlite' | 'memory' | 'fsync';

export interface OpenHome {
  readonly arbiter: Arbiter;
  readonly store: ArbiterStore;
  readonly commands: CommandGenerator;
  /** Events by type since the home opened: `conflict`, `denied`, `dispatched` … */
  readonly counts: Map<string, number>;
  close(): Promise<void>;
}

/**
 * A started arbiter on a generated home, through the public API only, with every actuator already claimed once
 * (so that the measured commands meet winners and can conflict). `sqlite` is a real file in a temporary directory
 * with the store's default `synchronous = FULL`, written by the store's own thread (ThreadedStore), as the server
 * does: an acknowledged command has been fsynced. The decision log is off
 * unless a logger is given: the figures are the arbitration's.
 */
export async function openHome(shape: HomeShape, store: StoreKind, logger: DecisionLogger = silentLogger): Promise<OpenHome> {
  const dir = store === 'memory' ? undefined : mkdtempSync(join(tmpdir(), 'home-arbiter-bench-'));
  const backing: ArbiterStore = !dir
    ? new MemoryStore()
    : store === 'sqlite'
      ? await ThreadedStore.open(join(dir, 'arbiter.sqlite'))
      : await FsyncOnlyStore.open(join(dir, 'journal'));
  const arbiter = new Arbiter({ config: buildCoreConfig(homeConfig(shape)), store: backing, clock: new RealClock(), logger });
  await arbiter.start();
  const counts = new Map<string, number>();
  const subscription = arbiter.events$.subscribe((e) => counts.set(e.type, (counts.get(e.type) ?? 0) + 1));
  const peek = (target: string) => {
    const rec = arbiter.tables.actuator(target)!;
    return { winner: rec.winner, desired: rec.desired };
  };
  const commands = new CommandGenerator(shape, peek);
  const seeding = [...commands.seed()].map((c) => arbiter.command(c));
  await Promise.all(seeding);
  await arbiter.settled();
  counts.clear();
  return {
    arbiter,
    store: backing,
    commands,
    counts,
    async close() {
      await arbiter.stop();
      subscription.unsubscribe();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
