import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { FIX, type Finding as CheckFinding } from '../check/finding';
import { ADAPTER_NAMES } from './adapter-registry';
import type { NetworkConfinement } from './network-confinement';
import { folderDigest } from './plugin-folder';
import { tokensFileFor, type LoadedSecrets, type SecretProblem } from './secrets';
import { isLoopback, type ServerConfig } from './server-config';

export interface Finding {
  readonly level: 'error' | 'warning';
  readonly subject: string;
  readonly problem: string;
  readonly fix: string;
}

/**
 * `home-arbiter doctor`: the settings check. Pure: it judges a validated configuration, the secrets file's state,
 * the static check's findings and whether this machine can keep plugins off the network, and says for each unsafe
 * setting how to fix it.
 */
export function diagnoseConfig(config: ServerConfig, secrets: LoadedSecrets, checked: readonly CheckFinding[] = [], confinement: NetworkConfinement = { prefix: [] }): Finding[] {
  const findings: Finding[] = [];
  const add = (level: Finding['level'], subject: string, problem: string, fix: string) => findings.push({ level, subject, problem, fix });

  for (const p of secrets.problems) add(p.level, p.credential, p.message, secretFix(p, config.secretsFile));
  for (const s of config.core.systems) {
    if (s.targets.includes('*')) add('warning', `system:${s.id}`, 'has no target restriction: it may command every actuator', `list the actuators it needs in systems[].targets (ids, kind:, zone: or tag: selectors)`);
    if (s.category === 'life') add('warning', `system:${s.id}`, 'has the life category: it overrides emergency stop and operator locks', 'give life only to safety systems that must act during an emergency (fire, gas, flood)');
  }
  if (config.storeFile === 'memory') add('error', 'store', 'no persistent store: claims, locks and the decision log are lost at every restart', 'set store.file to a SQLite file');
  else if (config.synchronous === 'normal') add('warning', 'store', 'synchronous: normal may lose the last acknowledged claims on power loss', 'use synchronous: full unless the server has a UPS');
  if (!isLoopback(config.host) && !config.tls) add('error', 'server', `listens on ${config.host} without TLS: secrets and commands cross the network in clear`, 'set server.tls {cert, key}, or listen on 127.0.0.1 behind a TLS reverse proxy');
  if (!isLoopback(config.host) && config.reads === 'open') add('warning', 'auth', `anyone on the network can read states, claims and events (who is home, whether the door is locked)`, 'set auth.reads: operator');
  for (const b of config.bindings) {
    if (!ADAPTER_NAMES.includes(b.adapter)) add('error', `actuator:${b.actuatorId}`, `device.adapter "${b.adapter}" is unknown`, `use one of ${ADAPTER_NAMES.join(', ')}`);
  }
  config.plugins.forEach((p, i) => {
    if (!existsSync(p.module)) return add('error', `plugins[${i}]`, `module ${p.module} does not exist`, 'fix plugins[].module (relative to the configuration file)');
    const folder = dirname(p.module);
    let digest: string;
    try {
      digest = folderDigest(folder);
    } catch (err) {
      return add('error', `plugins[${i}]`, `cannot pin the folder ${folder}: ${(err as Error).message}`, 'keep only regular files in the plugin\'s folder');
    }
    if (digest !== p.sha256) add('error', `plugins[${i}]`, `sha256 of the folder ${folder} is ${digest}, not the allow-listed ${p.sha256}: it will be refused`, 'check every file of the plugin, then pin the folder\'s sha256 in plugins[].sha256 (docs/server.md says how)');
    const bypass = 'it can reach the devices (an MQTT broker, a gateway) behind the arbitration';
    if (p.network) add('warning', `plugins[${i}]`, `may open sockets (network: true): ${bypass}`, 'remove network: true unless the plugin needs a service, and give the devices\' brokers credentials plugins do not have');
    else if ('unavailable' in confinement) add('warning', `plugins[${i}]`, `will run with the network open, this machine cannot take it away (${confinement.unavailable}): ${bypass}`, 'install util-linux (unshare) and run serve as root, or allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1)');
  });
  if (existsSync(config.signingKeyFile) && (statSync(config.signingKeyFile).mode & 0o077) !== 0) {
    add('error', 'log', `the decision log's signing key ${config.signingKeyFile} is readable by other users, who could sign a rewritten log`, `chmod 600 ${config.signingKeyFile}`);
  }
  if (config.lockout.failures > 20) add('warning', 'auth', `lockout after ${config.lockout.failures} failures allows many guesses`, 'set auth.lockout.failures to 10 or fewer');
  if (config.demo.length > 0) add('warning', 'demo', `the demo driver sends ${config.demo.length} kinds of scripted commands`, 'remove the demo: section in a real home');
  // The static check's errors and warnings (SPEC.md §11); its conflict map is information, not a problem.
  for (const f of checked) if (f.severity !== 'info') add(f.severity, `check:${f.kind}`, f.message, FIX[f.kind]);
  return findings;
}

function secretFix(problem: SecretProblem, file: string): string {
  switch (problem.kind) {
    case 'clear-text':
      return `replace the token by its hash: delete ${file} and let serve generate new secrets, or hash it with scrypt`;
    case 'tokens-file':
      return `give each system its own token, then delete ${tokensFileFor(file)}`;
    case 'mode':
      return `chmod 600 ${file}`;
    case 'folder':
      return `chmod 700 ${dirname(file)}, and check who else could have changed ${file}`;
    case 'unreadable':
      return `repair ${file} from a backup, or move it away and run \`home-arbiter serve\` to generate new secrets (every system then needs its new token)`;
    case 'weak':
    case 'missing':
      return existsSync(file) ? `add a strong secret for ${problem.credential} to ${file}` : 'run `home-arbiter serve` once: it generates strong secrets for every system and the operator';
  }
}
