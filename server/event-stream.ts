import type { ServerResponse } from 'node:http';
import type { LogEntry } from './decision-log';

/** Beyond this many unsent bytes a client is too slow to follow and is disconnected rather than buffered. */
const MAX_BACKLOG = 1 << 20;
const HEARTBEAT_MS = 15_000;

/**
 * The live Server-Sent Events stream of `GET /api/events`: each event is one `id: <log seq>` message, so that
 * a browser's EventSource resumes with `Last-Event-ID` after a reconnect (the history comes from the log).
 * At most `maxClients` streams are open at once, and a client that does not read what it is sent is dropped
 * once its unsent backlog passes `MAX_BACKLOG`, history included: a stream costs the server at most that much.
 */
export class EventStream {
  private readonly clients = new Set<ServerResponse>();
  private heartbeat?: NodeJS.Timeout;

  constructor(private readonly maxClients: number) {}

  start(): void {
    this.heartbeat = setInterval(() => {
      for (const res of this.clients) this.send(res, ': heartbeat\n\n');
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** No stream can be opened now. */
  get full(): boolean {
    return this.clients.size >= this.maxClients;
  }

  /** Opens the stream on `res`, first replaying `history` (consumed only as far as the client keeps up). */
  attach(res: ServerResponse, history: Iterable<LogEntry>): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
    if (!this.send(res, 'retry: 2000\n\n')) return;
    for (const entry of history) if (!this.send(res, frame(entry))) return;
  }

  publish(entry: LogEntry): void {
    if (this.clients.size === 0) return;
    const text = frame(entry);
    for (const res of this.clients) this.send(res, text);
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

  /** Writes to one client; false when its backlog passed the bound and it was dropped. */
  private send(res: ServerResponse, text: string): boolean {
    res.write(text);
    if (res.writableLength <= MAX_BACKLOG) return true;
    this.clients.delete(res);
    res.destroy();
    return false;
  }
}

function frame(entry: LogEntry): string {
  return `id: ${entry.seq}\nevent: ${entry.event.type}\ndata: ${JSON.stringify({ seq: entry.seq, wall: entry.wall, mono: entry.mono, ...entry.event })}\n\n`;
}
