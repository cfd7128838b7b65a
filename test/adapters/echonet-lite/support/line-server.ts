import { createInterface } from 'readline';

/** A request from the test process: one JSON line on stdin. */
interface Request {
  readonly id: number;
  readonly op: string;
  readonly args?: Record<string, unknown>;
}

export type Handlers = Readonly<Record<string, (args: Record<string, unknown>) => unknown>>;

/**
 * The child side of the test's line protocol: each stdin line is a request, each answer and event a stdout
 * line. The child runs in another network namespace (`ip netns exec`), so this is how the test drives it.
 * End of stdin means the test is done: `close` runs and the process exits.
 */
export function serveLines(handlers: Handlers, close: () => Promise<void>): void {
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => void handle(line));
  lines.on('close', () => {
    close().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`close failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  });

  async function handle(line: string): Promise<void> {
    const request = JSON.parse(line) as Request;
    const handler = handlers[request.op];
    try {
      if (!handler) throw new Error(`unknown op "${request.op}"`);
      write({ id: request.id, ok: true, value: (await handler(request.args ?? {})) ?? null });
    } catch (err) {
      const e = err as Error & { code?: string };
      write({ id: request.id, ok: false, error: { name: e.name, code: e.code, message: e.message } });
    }
  }
}

/** An unsolicited line for the test (a report, a problem, an engine event). */
export function emit(event: string, payload: unknown): void {
  write({ event, payload });
}

function write(message: unknown): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}
