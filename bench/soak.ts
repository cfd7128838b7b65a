/**
 * Soak of the edge server (issue 5): `home-arbiter serve` as a child process on a temporary home, driven over
 * HTTP at a fixed rate of authenticated commands for a fixed time, sampling the server's resident memory from
 * /metrics. Run on demand, not part of `npm test`:
 *
 *   npx tsc -p . && node dist/bench/soak.js [--seconds 60] [--rate 2000]
 *
 * It prints throughput, latency percentiles, outcomes, errors, memory over time and `log verify`'s verdict.
 */
import { spawnSync } from 'node:child_process';
import { Agent, request } from 'node:http';
import { call, TempHome } from '../test/server/server-fixture';
import { BIN } from '../test/server/server-process';

const TARGETS: readonly [string, string, readonly string[]][] = [
  ['comfort-vent', 'living.window', ['open', 'closed']],
  ['security', 'living.window', ['open', 'closed']],
  ['security', 'front.lock', ['locked', 'unlocked']],
  ['security', 'hall.light', ['on', 'off']],
];

/** Keep-alive connections, as a hub or an integration would hold them; requests beyond them queue in the agent. */
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function post(base: string, path: string, token: string, body: unknown): Promise<{ status: number; body: any }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function residentMb(base: string): Promise<number> {
  const text = (await call(base, 'GET', '/metrics')).body as string;
  const match = /^home_arbiter_process_resident_memory_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(text);
  return match ? Number(match[1]) / 1e6 : NaN;
}

async function main(): Promise<void> {
  const seconds = arg('seconds', 60);
  const rate = arg('rate', 2000);
  const home = await new TempHome().withSecrets();
  const server = home.serve();
  try {
    const base = await server.url;
    const latencies: number[] = [];
    const outcomes = new Map<string, number>();
    const memory: [number, number][] = [[0, await residentMb(base)]];
    let errors = 0;
    let sent = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    const started = performance.now();
    const tickMs = 10;
    const pending = new Set<Promise<void>>();

    const send = () => {
      const [system, target, states] = TARGETS[sent % TARGETS.length];
      const state = states[Math.floor(sent / TARGETS.length) % states.length];
      sent++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const t0 = performance.now();
      const p = post(base, `/api/systems/${system}/commands`, home.tokens.systems[system], { target, state }).then(
        (answer) => {
          latencies.push(performance.now() - t0);
          const key = answer.status === 200 || answer.status === 409 ? answer.body.outcome : `http ${answer.status}`;
          outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        },
        () => {
          errors++;
        },
      );
      const tracked = p.finally(() => {
        inFlight--;
        pending.delete(tracked);
      });
      pending.add(tracked);
    };

    let nextSample = 5;
    while (performance.now() - started < seconds * 1000) {
      const elapsed = (performance.now() - started) / 1000;
      const due = Math.floor(elapsed * rate);
      while (sent < due) send();
      if (elapsed >= nextSample) {
        memory.push([Math.round(elapsed), await residentMb(base)]);
        nextSample += 5;
      }
      await new Promise((r) => setTimeout(r, tickMs));
    }
    await Promise.all(pending);
    const took = (performance.now() - started) / 1000;
    memory.push([Math.round(took), await residentMb(base)]);
    await server.terminate();
    agent.destroy();

    latencies.sort((a, b) => a - b);
    const verify = spawnSync(process.execPath, [BIN, 'log', 'verify', '--config', home.configFile], { encoding: 'utf8' });
    const firstHalf = memory.filter(([t]) => t > 0 && t <= seconds / 2).map(([, mb]) => mb);
    const secondHalf = memory.filter(([t]) => t > seconds / 2).map(([, mb]) => mb);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
    const report = {
      seconds: Math.round(took * 10) / 10,
      targetRate: rate,
      sent,
      answered: latencies.length,
      achievedRate: Math.round(latencies.length / took),
      errors,
      outcomes: Object.fromEntries(outcomes),
      latencyMs: { p50: round(percentile(latencies, 50)), p95: round(percentile(latencies, 95)), p99: round(percentile(latencies, 99)), max: round(latencies.at(-1) ?? NaN) },
      maxInFlight,
      residentMb: memory.map(([t, mb]) => `${t}s:${Math.round(mb)}`).join(' '),
      memoryGrowthSecondHalfMb: round(mean(secondHalf) - mean(firstHalf)),
      logVerify: verify.stdout.trim(),
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await server.terminate();
    home.remove();
  }
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

main().catch((err: unknown) => {
  process.stderr.write(`soak failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
