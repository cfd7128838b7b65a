import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { zodIssues } from '../engine/config/arbiter-config';

const MAX_BODY = 64 * 1024;

/** A request the API refuses, with the status and the JSON body to answer; `field` names what was wrong. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, err: HttpError): void {
  sendJson(res, err.status, { error: err.message, ...(err.field !== undefined ? { field: err.field } : {}) }, err.headers);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, `body larger than ${MAX_BODY} bytes`, '(body)');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads and validates a JSON body; a malformed one is a 400 naming the first offending field. */
export async function readJson<S extends z.ZodType>(req: IncomingMessage, schema: S): Promise<z.output<S>> {
  const text = await readBody(req);
  let data: unknown = {};
  if (text.trim() !== '') {
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new HttpError(400, `body is not valid JSON: ${(err as Error).message}`, '(body)');
    }
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const [first, ...rest] = zodIssues(parsed.error);
    const field = first.path || '(body)';
    throw new HttpError(400, `${field}: ${first.message}${rest.length > 0 ? ` (and ${rest.length} more: ${rest.map((i) => i.path || '(body)').join(', ')})` : ''}`, field);
  }
  return parsed.data;
}
