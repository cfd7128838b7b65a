import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A tmpfs of a few hundred KiB mounted for one test: a disk that can be filled and freed again. */
export class SmallDisk {
  private constructor(readonly dir: string) {}

  /** Mounts one, or returns why it cannot (not root, no tmpfs): the caller skips, saying so. */
  static mount(kib: number): SmallDisk | string {
    const dir = mkdtempSync(join(tmpdir(), 'home-arbiter-small-disk-'));
    const run = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k,mode=0700`, 'tmpfs', dir], { encoding: 'utf8' });
    if (run.status === 0) return new SmallDisk(dir);
    rmSync(dir, { recursive: true, force: true });
    return `cannot mount a tmpfs (${(run.stderr || run.error?.message || `exit ${run.status}`).trim()})`;
  }

  /** Mounts one for a mocha test, or skips the test saying why (mounting needs root; CI runs as root). */
  static forTest(test: Mocha.Context, kib: number): SmallDisk {
    const mounted = SmallDisk.mount(kib);
    if (typeof mounted === 'string') {
      console.log(`      skipped: ${mounted}; this test needs root (CI runs as root)`);
      test.skip();
    }
    return mounted as SmallDisk;
  }

  private get ballast(): string {
    return join(this.dir, 'ballast');
  }

  /** Writes a file until the disk has no block left. */
  fill(): void {
    const fd = openSync(this.ballast, 'a');
    const chunk = Buffer.alloc(4096, 0xa5);
    try {
      for (;;) writeSync(fd, chunk);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    } finally {
      closeSync(fd);
    }
  }

  free(): void {
    unlinkSync(this.ballast);
  }

  unmount(): void {
    spawnSync('umount', ['-l', this.dir]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
