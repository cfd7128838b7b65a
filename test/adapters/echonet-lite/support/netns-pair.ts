import { execFile } from 'child_process';
import { randomBytes } from 'crypto';
import { promisify } from 'util';

const run = promisify(execFile);

async function ip(...args: string[]): Promise<void> {
  try {
    await run('ip', args);
  } catch (err) {
    const e = err as Error & { stderr?: string; code?: string | number };
    const reason = e.code === 'ENOENT' ? 'the `ip` command is missing (Debian package iproute2)' : (e.stderr?.trim() || e.message);
    throw new Error(`ip ${args.join(' ')}: ${reason} (these tests need root and iproute2 to build network namespaces)`);
  }
}

/**
 * Two network namespaces joined by a veth pair, as two hosts on one LAN: `controller` (10.72.0.1) for the
 * adapter and `devices` (10.72.0.2) for the emulated devices. Each side routes 224.0.0.0/4 onto the veth so the
 * ECHONET Lite multicast group 224.0.23.0 works. Names are unique per run; `remove()` deletes both namespaces
 * (the veth pair goes with them).
 */
export class NetnsPair {
  static readonly CONTROLLER_IP = '10.72.0.1';
  static readonly DEVICES_IP = '10.72.0.2';

  private constructor(
    readonly controller: string,
    readonly devices: string,
    private readonly veth: string,
  ) {}

  static async create(): Promise<NetnsPair> {
    await NetnsPair.removeStale();
    const [pid, random] = [process.pid.toString(36), randomBytes(2).toString('hex')];
    const tag = `${pid}${random}`;
    const pair = new NetnsPair(`ha-el-${pid}-${random}-c`, `ha-el-${pid}-${random}-d`, `hc${tag}`.slice(0, 15));
    try {
      await pair.build(tag);
    } catch (err) {
      await pair.remove();
      throw err;
    }
    return pair;
  }

  /** A namespace with only a loopback that is down: no route for multicast. */
  static async isolated(): Promise<string> {
    await NetnsPair.removeStale();
    const name = `ha-el-${process.pid.toString(36)}-${randomBytes(2).toString('hex')}-x`;
    await ip('netns', 'add', name);
    return name;
  }

  static async removeNamespace(name: string): Promise<void> {
    await run('ip', ['netns', 'del', name]).catch(() => undefined); // absent already: nothing to remove
  }

  /** Namespaces of an earlier run that was killed before its `after` hook (its process is gone). */
  private static async removeStale(): Promise<void> {
    const { stdout } = await run('ip', ['netns', 'list']).catch(() => ({ stdout: '' })); // no namespaces yet
    for (const line of stdout.split('\n')) {
      const match = /^(ha-el-([0-9a-z]+)-[0-9a-f]{4}-[cdx])\b/.exec(line);
      if (match && !alive(parseInt(match[2]!, 36))) await NetnsPair.removeNamespace(match[1]!);
    }
  }

  /** Takes the controller's route for 224.0.0.0/4 away (the adapter cannot join the group then) or gives it back. */
  async controllerMulticast(present: boolean): Promise<void> {
    await ip('-n', this.controller, 'route', present ? 'add' : 'del', '224.0.0.0/4', 'dev', this.veth);
  }

  async remove(): Promise<void> {
    // Still in the root namespace only when the build failed before moving it.
    await run('ip', ['link', 'del', this.veth]).catch(() => undefined);
    await NetnsPair.removeNamespace(this.controller);
    await NetnsPair.removeNamespace(this.devices);
  }

  private async build(tag: string): Promise<void> {
    // Interface names are at most 15 characters.
    const [c, d] = [this.veth, `hd${tag}`.slice(0, 15)];
    await ip('netns', 'add', this.controller);
    await ip('netns', 'add', this.devices);
    await ip('link', 'add', c, 'type', 'veth', 'peer', 'name', d);
    for (const [ns, dev, address] of [
      [this.controller, c, NetnsPair.CONTROLLER_IP],
      [this.devices, d, NetnsPair.DEVICES_IP],
    ] as const) {
      await ip('link', 'set', dev, 'netns', ns);
      await ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', dev);
      await ip('-n', ns, 'link', 'set', dev, 'up');
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
      await ip('-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', dev);
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
