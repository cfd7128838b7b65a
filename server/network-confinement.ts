import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * How a plugin process is started without a network: in a network namespace of its own (nothing but a loopback that
 * is down), by util-linux's `unshare`. Node 20's permission model does not confine sockets, so without this a
 * plugin could reach the devices' broker or bus directly, behind the arbitration's back.
 */
export type NetworkConfinement =
  /** The command line to put before the plugin's own. */
  | { readonly prefix: readonly string[] }
  /** Why this machine cannot do it. */
  | { readonly unavailable: string };

const UNSHARE = ['/usr/bin/unshare', '/bin/unshare'];

let probed: NetworkConfinement | undefined;

/**
 * Whether and how this machine can start a process without a network, tried once: as root a new network namespace;
 * otherwise one inside a user namespace of its own, where the kernel lets unprivileged users have one.
 */
export function networkConfinement(): NetworkConfinement {
  probed ??= probe();
  return probed;
}

function probe(): NetworkConfinement {
  if (process.platform !== 'linux') return { unavailable: `network namespaces are Linux's (this is ${process.platform})` };
  const unshare = UNSHARE.find((file) => existsSync(file));
  if (!unshare) return { unavailable: `util-linux's unshare is not installed (looked for ${UNSHARE.join(', ')})` };
  const ways = process.getuid?.() === 0 ? [['--net'], ['--user', '--map-root-user', '--net']] : [['--user', '--map-root-user', '--net']];
  const failures: string[] = [];
  for (const flags of ways) {
    const prefix = [unshare, ...flags, '--'];
    const tried = spawnSync(prefix[0], [...prefix.slice(1), process.execPath, '--version'], { env: {}, encoding: 'utf8', timeout: 5_000 });
    if (tried.status === 0) return { prefix };
    failures.push(`unshare ${flags.join(' ')}: ${(tried.stderr || tried.error?.message || `exit ${tried.status}`).trim()}`);
  }
  return { unavailable: failures.join('; ') };
}
