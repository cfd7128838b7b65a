import { spawn, type ChildProcess } from 'child_process';
import { createInterface } from 'readline';
import { EmptyError, firstValueFrom, ReplaySubject, filter, timeout, type Observable } from 'rxjs';

export interface ChildEvent {
  readonly event: string;
  readonly payload: any;
}

/** A failed request, with the child's error name, code (e.g. a DeviceError's) and message. */
export class ChildError extends Error {
  constructor(
    readonly op: string,
    readonly childName: string,
    readonly code: string | undefined,
    message: string,
  ) {
    super(`${op}: ${message}`);
    this.name = 'ChildError';
  }
}

interface Answer {
  readonly id: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: { name: string; code?: string; message: string };
}

/**
 * A node script running inside a network namespace (`ip netns exec <ns> node <script>`), driven over the line
 * protocol of `line-server.ts`. Every event it emits is replayed to late subscribers, so a test can wait for
 * one that came before it looked.
 */
export class NetnsChild {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<number, (answer: Answer) => void>();
  private readonly eventsSubject = new ReplaySubject<ChildEvent>();
  private nextId = 1;
  private stderr = '';
  private readonly exited: Promise<number | null>;
  readonly events$: Observable<ChildEvent> = this.eventsSubject.asObservable();

  constructor(
    readonly label: string,
    namespace: string,
    script: string,
    args: readonly string[] = [],
  ) {
    this.child = spawn('ip', ['netns', 'exec', namespace, process.execPath, script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.receive(line));
    void this.exited.then((code) => {
      const gone: Answer = { id: 0, ok: false, error: { name: 'Error', message: `${label} exited (${code}) before answering; stderr: ${this.stderr.trim() || 'empty'}` } };
      for (const resolve of this.waiting.values()) resolve(gone);
      this.waiting.clear();
      this.eventsSubject.complete();
    });
  }

  async request<T = unknown>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    const answer = new Promise<Answer>((resolve) => this.waiting.set(id, resolve));
    this.child.stdin!.write(`${JSON.stringify({ id, op, args })}\n`);
    const { ok, value, error } = await answer;
    if (!ok) throw new ChildError(op, this.label, error!.code, error!.message);
    return value as T;
  }

  /** The first event (since the child started) that matches, or a rejection naming what was awaited. */
  waitFor(what: string, match: (e: ChildEvent) => boolean, ms = 5000): Promise<ChildEvent> {
    return firstValueFrom(
      this.events$.pipe(
        filter(match),
        timeout({ first: ms, with: () => Promise.reject(new Error(`${this.label}: no ${what} within ${ms} ms; stderr: ${this.stderr.trim() || 'empty'}`)) }),
      ),
    ).catch((err: unknown) => {
      if (err instanceof EmptyError) throw new Error(`${this.label} exited before ${what}; stderr: ${this.stderr.trim() || 'empty'}`);
      throw err;
    });
  }

  /** Every event so far that matches. */
  seen(match: (e: ChildEvent) => boolean): ChildEvent[] {
    const found: ChildEvent[] = [];
    this.events$.subscribe((e) => match(e) && found.push(e)).unsubscribe();
    return found;
  }

  /** Ends stdin (the child cleans up and exits); kills it if it has not exited within 5 s. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.stdin!.end();
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    const code = await this.exited;
    clearTimeout(killer);
    if (code !== 0) throw new Error(`${this.label} exited with ${code}; stderr: ${this.stderr.trim() || 'empty'}`);
  }

  private receive(line: string): void {
    let message: Answer & Partial<ChildEvent>;
    try {
      message = JSON.parse(line);
    } catch {
      this.stderr += `[stdout] ${line}\n`; // the package's console.log lines
      return;
    }
    if (message.event !== undefined) {
      this.eventsSubject.next({ event: message.event, payload: message.payload });
      return;
    }
    this.waiting.get(message.id)?.(message);
    this.waiting.delete(message.id);
  }
}
