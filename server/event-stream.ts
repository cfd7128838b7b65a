import type { ServerResponse } from 'node:http';
import type { LogEntry } from './decision-log';

/** Beyond this many unsent bytes a client is too slow to follow and is disconnected rather than buffered. */
const MAX_BACKLOG = 1 << 20;
const HEARTBEAT_MS = 15_000;

/**
 * The live Server-Sent Events stream of `GET /api/events`: each event is one `id: <log seq>` message, so that
 * a browser's EventSource resumes with `Last-Event-ID` after a reconnect (the history comes from the log).
 */
export class EventStream {
  private readonly clients = new Set<ServerResponse>();
  private heartbeat?: NodeJS.Timeout;

  start(): void {
    this.heartbeat = setInterval(() => {
      for (const res of this.clients) res.write(': heartbeat\n\n');
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Opens the stream on `res`, first replaying `history`. */
  attach(res: ServerResponse, history: readonly LogEntry[]): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 2000\n\n');
    for (const entry of history) res.write(frame(entry));
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }

  publish(entry: LogEntry): void {
    if (this.clients.size === 0) return;
    const text = frame(entry);
    for (const res of this.clients) {
      if (res.writableLength > MAX_BACKLOG) res.destroy();
      else res.write(text);
    }
  }

  get size(): number {
    return this.clients.size;
  }

  /** Ends every stream; a second call does nothing. */
  stop(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    for (const res of this.clients) res.end();
    this.clients.clear();
  }
}

function frame(entry: LogEntry): string {
  return `id: ${entry.seq}\nevent: ${entry.event.type}\ndata: ${JSON.stringify({ seq: entry.seq, wall: entry.wall, mono: entry.mono, ...entry.event })}\n\n`;
}
