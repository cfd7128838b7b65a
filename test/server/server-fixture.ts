import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EdgeServer } from '../../server/edge-server';
import { folderDigest } from '../../server/plugin-folder';
import { generateSecretsFile, loadSecrets, tokensFileFor } from '../../server/secrets';
import { loadServerConfig } from '../../server/server-config';
import { ServerProcess } from './server-process';

/** A small UC4 home: comfort ventilation against security on a window, a fire policy on the lock. */
export const HOME_YAML = `
auth: { secretsFile: secrets/home.json, lockout: { failures: 3, window: 1m, duration: 1m } }
store: { file: home.sqlite }
actuators:
  - { id: living.window, kind: window, initial: closed, safe: closed, device: { adapter: virtual, address: sim/w, options: { latency: 5ms } } }
  - { id: front.lock, kind: lock, initial: unlocked, safe: locked, device: { adapter: virtual, address: sim/l, options: { latency: 5ms } } }
  - { id: hall.light, kind: light, initial: off, lifetime: { cycles: 4 } }
systems:
  - { id: comfort-vent, category: comfort, targets: ["kind:window"] }
  - { id: security, category: property, targets: ["kind:window", front.lock, hall.light] }
facts:
  - { name: smoke, initial: false }
policies:
  - name: fire-evacuation
    conditions: { all: [ { fact: smoke, operator: equal, value: true } ] }
    event: { type: assert, params: { target: front.lock, state: unlocked, category: life } }
`;

/**
 * The UC4 home of issue 10: HOME_YAML with the life-safety system, the only writer of the smoke fact, a rain
 * sensor that no system may write, reads for the operator only, and a short lockout, so that lockouts and their
 * back-off show within a test.
 */
export const LIFE_HOME_YAML = HOME_YAML.replace('systems:\n', 'systems:\n  - { id: disaster, category: life, targets: [front.lock] }\n')
  .replace('{ name: smoke, initial: false }', '{ name: smoke, initial: false, writers: [disaster] }\n  - { name: rain, initial: false, maxAge: 1h, whenStale: true }')
  .replace('auth: {', 'auth: { reads: operator,')
  .replace('duration: 1m', 'duration: 1s');

export interface Tokens {
  readonly operator: string;
  readonly systems: Record<string, string>;
}

/** A temporary folder with a configuration and freshly generated secrets; `remove()` deletes it all. */
export class TempHome {
  readonly dir = mkdtempSync(join(tmpdir(), 'home-arbiter-server-'));
  readonly configFile = join(this.dir, 'home.yaml');
  tokens!: Tokens;

  constructor(yaml = HOME_YAML) {
    writeFileSync(this.configFile, yaml);
  }

  /** Generates the secrets as `serve` does on a first run and reads back the clear tokens. */
  async withSecrets(): Promise<this> {
    const config = loadServerConfig(this.configFile);
    await generateSecretsFile(config.secretsFile, config.core.systems.map((s) => s.id));
    this.tokens = JSON.parse(readFileSync(tokensFileFor(config.secretsFile), 'utf8')) as Tokens;
    return this;
  }

  /** An in-process server on 127.0.0.1 and a free port (or `port`, to come back where a stopped one was). */
  async startServer(port = 0): Promise<EdgeServer> {
    const config = loadServerConfig(this.configFile);
    const secrets = await loadSecrets(config.secretsFile, config.core.systems.map((s) => s.id));
    const errors = secrets.problems.filter((p) => p.level === 'error');
    if (errors.length > 0) throw new Error(`test secrets: ${errors.map((p) => p.message).join('; ')}`);
    const server = new EdgeServer({ config, secrets: secrets.hashes, port, host: '127.0.0.1' });
    await server.start();
    return server;
  }

  /** Writes a plugin folder under `plugins/` and returns its entry module (relative to the home) and its pin. */
  plugin(name: string, files: Record<string, string>): { module: string; sha256: string; folder: string } {
    const folder = join(this.dir, 'plugins', name);
    mkdirSync(folder, { recursive: true });
    for (const [file, text] of Object.entries(files)) writeFileSync(join(folder, file), text);
    return { module: `plugins/${name}/index.js`, sha256: folderDigest(folder), folder };
  }

  /** `home-arbiter serve` on this home in a child process, on 127.0.0.1 and a free port. */
  serve(...extra: string[]): ServerProcess {
    return new ServerProcess(['--config', this.configFile, '--port', '0', ...extra]);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface ServedHome {
  readonly home: TempHome;
  readonly server: ServerProcess;
  readonly base: string;
}

/**
 * A home with secrets served by a real `serve` child process for a whole describe block (mocha's `before` and
 * `after`); `prepare` runs on the home before the server starts.
 */
export function servedHome(yaml = HOME_YAML, prepare?: (home: TempHome) => void): ServedHome {
  const served = {} as { home: TempHome; server: ServerProcess; base: string };
  before(async () => {
    served.home = await new TempHome(yaml).withSecrets();
    prepare?.(served.home);
    served.server = served.home.serve();
    served.base = await served.server.url;
  });
  after(async () => {
    await served.server?.terminate();
    served.home?.remove();
  });
  return served;
}

/** A home per test and the `serve` processes started on it (see `homePerTest`). */
export interface HomePerTest {
  /** The current test's home; a test that needs another puts its own here (the one it replaces is removed). */
  home: TempHome;
  /** `home-arbiter serve` on the current home (TempHome.serve), terminated after the test. */
  serve(...extra: string[]): ServerProcess;
  /** A server process started otherwise, terminated after the test like the others. */
  adopt(process: ServerProcess): ServerProcess;
}

/**
 * For one describe block: a new home before each test (`make`, by default HOME_YAML with its secrets), and after
 * each, every server process it started terminated and the home removed.
 */
export function homePerTest(make: () => TempHome | Promise<TempHome> = () => new TempHome().withSecrets()): HomePerTest {
  let current: TempHome | undefined;
  const processes: ServerProcess[] = [];
  beforeEach(async () => {
    current = await make();
  });
  afterEach(async () => {
    for (const p of processes.splice(0)) await p.terminate();
    current?.remove();
    current = undefined;
  });
  const adopt = (process: ServerProcess) => {
    processes.push(process);
    return process;
  };
  return {
    get home() {
      if (!current) throw new Error('homePerTest: no home outside a test');
      return current;
    },
    set home(home: TempHome) {
      if (current !== home) current?.remove();
      current = home;
    },
    serve: (...extra) => adopt(current!.serve(...extra)),
    adopt,
  };
}

export interface Answer {
  readonly status: number;
  readonly body: any;
  readonly headers: Headers;
}

/**
 * One JSON request; `token` becomes a bearer Authorization header. `from` is the local address to connect from
 * (any of 127.0.0.0/8 on Linux), so that a test can play two hosts against one server. Each request has a
 * connection of its own: Node's global agent keeps sockets alive, and one it reuses just as the server closes it
 * (a server restarting on a policy bundle closes its idle connections) fails with "socket hang up", which a test
 * would take for the server's fault.
 */
export function call(base: string, method: string, path: string, options: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string>; from?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers, localAddress: options.from, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const answerHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) answerHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
        let body: unknown = text;
        if ((answerHeaders.get('content-type') ?? '').includes('json') && text !== '') body = JSON.parse(text);
        resolve({ status: res.statusCode!, body, headers: answerHeaders });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Polls `check` until it returns a value other than undefined, or fails after `ms` naming what it waited for. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
