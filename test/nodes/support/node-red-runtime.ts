import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The repository root: the package Node-RED is to load (package.json's `node-red` section). */
export const REPO_ROOT = join(__dirname, '..', '..', '..', '..');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A real, headless Node-RED (the devDependency, 4.1.x) in a child process on 127.0.0.1, with a temporary user
 * directory where this package is installed as `node_modules/home-arbiter` (a symlink to the repository), and
 * telemetry, palette installs, tours and the diagnostics endpoint off. Driven through the Admin API.
 */
export class NodeRedRuntime {
  userDir = '';
  port = 0;
  private child?: ChildProcess;
  private output = '';

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.userDir = mkdtempSync(join(tmpdir(), 'home-arbiter-runtime-'));
    mkdirSync(join(this.userDir, 'node_modules'));
    symlinkSync(REPO_ROOT, join(this.userDir, 'node_modules', 'home-arbiter'), 'dir');
    this.port = await freePort();
    const settings = {
      uiHost: '127.0.0.1',
      uiPort: this.port,
      userDir: this.userDir,
      flowFile: 'flows.json',
      credentialSecret: false,
      telemetry: { enabled: false, updateNotification: false },
      diagnostics: { enabled: false, ui: false },
      runtimeState: { enabled: false, ui: false },
      externalModules: { autoInstall: false, palette: { allowInstall: false, allowUpdate: false, allowUpload: false } },
      editorTheme: { tours: false, palette: { catalogues: [] }, projects: { enabled: false }, multiplayer: { enabled: false } },
      logging: { console: { level: 'info', metrics: false, audit: false } },
      // As docs/node-red.md advises: node context in files, so that the events node keeps its alarms.
      contextStorage: { default: { module: 'localfilesystem' } },
    };
    const settingsFile = join(this.userDir, 'settings.js');
    writeFileSync(settingsFile, `module.exports = ${JSON.stringify(settings, null, 2)};\n`);
    const red = join(dirname(require.resolve('node-red/package.json')), 'red.js');
    const child = spawn(process.execPath, [red, '--settings', settingsFile, '--userDir', this.userDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`Node-RED exited with ${child.exitCode} before it listened:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`Node-RED did not answer on ${this.url} within 60 s:\n${this.output}`);
      try {
        if ((await fetch(`${this.url}/settings`)).ok) return;
      } catch {
        // not listening yet: the loop retries until the deadline, then fails with the runtime's output
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The runtime's console so far, for failure messages. */
  get log(): string {
    return this.output;
  }

  /** Calls the Admin API; anything but 2xx throws with the status, the body and the runtime's log tail. */
  async api<T = unknown>(method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: { Accept: 'application/json', ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}\n--- Node-RED log (tail) ---\n${this.output.slice(-2000)}`);
    return (text && /json/.test(response.headers.get('content-type') ?? '') ? JSON.parse(text) : text) as T;
  }

  /** Deploys the flows as the editor's Deploy button does (full deploy) and waits until they run. */
  async deploy(flows: unknown[]): Promise<void> {
    await this.api('POST', '/flows', flows, { 'Node-RED-Deployment-Type': 'full' });
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (this.userDir) rmSync(this.userDir, { recursive: true, force: true });
    this.userDir = '';
  }
}
