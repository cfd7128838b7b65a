import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { FIX, type Finding as CheckFinding } from '../check/finding';
import { ADAPTER_NAMES } from './adapter-registry';
import { moduleDigest } from './plugins';
import type { LoadedSecrets } from './secrets';
import type { ServerConfig } from './server-config';

export interface Finding {
  readonly level: 'error' | 'warning';
  readonly subject: string;
  readonly problem: string;
  readonly fix: string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const isLoopback = (host: string) => LOOPBACK.has(host) || (isIP(host) === 4 && host.startsWith('127.'));

/**
 * `home-arbiter doctor`: the settings check. Pure: it judges a validated configuration, the secrets file's state
 * and the static check's findings, and says for each unsafe setting how to fix it.
 */
export function diagnoseConfig(config: ServerConfig, secrets: LoadedSecrets, checked: readonly CheckFinding[] = []): Finding[] {
  const findings: Finding[] = [];
  const add = (level: Finding['level'], subject: string, problem: string, fix: string) => findings.push({ level, subject, problem, fix });

  for (const p of secrets.problems) {
    if (p.kind === 'clear-text') add('warning', p.credential, p.message, `replace the token by its hash: delete ${config.secretsFile} and let serve generate new secrets, or hash it with scrypt`);
    else if (p.kind === 'file') add('error', 'secrets', p.message, `chmod 600 ${config.secretsFile}`);
    else add('error', p.credential, p.message, existsSync(config.secretsFile) ? `add a strong secret for ${p.credential} to ${config.secretsFile}` : 'run `home-arbiter serve` once: it generates strong secrets for every system and the operator');
  }
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
    const digest = moduleDigest(p.module);
    if (digest !== p.sha256) add('error', `plugins[${i}]`, `sha256 of ${p.module} is ${digest}, not the allow-listed ${p.sha256}: it will be refused`, 'check the module, then pin its sha256sum in plugins[].sha256');
  });
  if (config.lockout.failures > 20) add('warning', 'auth', `lockout after ${config.lockout.failures} failures allows many guesses`, 'set auth.lockout.failures to 10 or fewer');
  if (config.demo.length > 0) add('warning', 'demo', `the demo driver sends ${config.demo.length} kinds of scripted commands`, 'remove the demo: section in a real home');
  // The static check's errors and warnings (SPEC.md §11); its conflict map is information, not a problem.
  for (const f of checked) if (f.severity !== 'info') add(f.severity, `check:${f.kind}`, f.message, FIX[f.kind]);
  return findings;
}
