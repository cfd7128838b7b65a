import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { formatPath, joinPath } from '../engine/config/config-error';

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
    if (size > MAX_BODY) throw new HttpError(413, `(body): larger than ${MAX_BODY} bytes`, '(body)');
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
      throw new HttpError(400, `(body): not valid JSON: ${(err as Error).message}`, '(body)');
    }
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const [first, ...rest] = parsed.error.issues.map((issue) => describeIssue(issue, data));
    throw new HttpError(400, `${first.field}: ${first.message}${rest.length > 0 ? ` (and ${rest.map((i) => i.field).join(', ')})` : ''}`, first.field);
  }
  return parsed.data;
}

/** One zod issue as the field it concerns and a sentence: "is required", "unknown field", or zod's own words. */
function describeIssue(issue: z.core.$ZodIssue, data: unknown): { field: string; message: string } {
  const path = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') return { field: joinPath(path, issue.keys[0]), message: 'unknown field' };
  const value = issue.path.reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined), data);
  if (value === undefined && issue.path.length > 0) return { field: path, message: 'is required' };
  if (issue.code === 'invalid_union') return { field: path || '(body)', message: `has the wrong type (${typeof value})` };
  return { field: path || '(body)', message: issue.message };
}
