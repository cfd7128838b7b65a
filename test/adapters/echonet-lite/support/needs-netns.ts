import { spawnSync } from 'node:child_process';

let said = false;

/** Why this process cannot build network namespaces, or undefined when it can (root, with iproute2's `ip`). */
function missing(): string | undefined {
  const uid = process.getuid?.();
  if (uid !== 0) return `they build network namespaces (ip netns), which needs root; this is uid ${uid}`;
  if (spawnSync('ip', ['-V']).error) return 'they build network namespaces with `ip` (Debian package iproute2), which is not installed';
  return undefined;
}

/**
 * A `before` hook for the suites that put the emulated devices in another network namespace. Without root or
 * iproute2 the suite is not run (mocha lists its tests as pending) and the first such suite says why, in one
 * line, instead of failing on `ip netns add`. CI runs as root with iproute2, so there they always run.
 */
export function needsNetworkNamespaces(this: Mocha.Context): void {
  const reason = missing();
  if (!reason) return;
  if (!said) console.log(`    (ECHONET Lite suites not run: ${reason})`);
  said = true;
  this.skip();
}
