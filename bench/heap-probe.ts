import { execFileSync } from 'node:child_process';
import { heapAfterGc } from './measure';
import { openHome } from './open-home';
import { HEADLINE } from './workload';

/**
 * Heap per actuator of a home of `actuators`, measured in a fresh node with `--expose-gc`: in a process that has
 * already built and dropped other homes, garbage of theirs that the collector frees late shows up as a negative
 * or inflated difference. The heap is taken after a full GC before the arbiter is built (the modules are loaded
 * by then) and after it is started with every actuator claimed once; it counts the engine's tables, its
 * configuration and the MemoryStore's copy of every row.
 */
export function heapPerActuator(actuators: number): number {
  const out = execFileSync(process.execPath, ['--expose-gc', __filename, String(actuators)], { encoding: 'utf8' });
  const bytes = Number(out.trim().split('\n').pop());
  if (!Number.isFinite(bytes)) throw new Error(`heap probe for ${actuators} actuators printed no number: ${out}`);
  return bytes;
}

async function probe(actuators: number): Promise<void> {
  const before = heapAfterGc();
  const home = await openHome({ ...HEADLINE, actuators }, 'memory');
  const after = heapAfterGc();
  process.stdout.write(`${(after - before) / actuators}\n`);
  await home.close();
}

if (require.main === module) {
  probe(Number(process.argv[2])).catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
