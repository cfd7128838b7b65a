import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { ArbiterStoppedError, FactValueError, NotAcknowledgedError, type Arbiter } from '../engine/arbiter';
import { StoreUnavailableError } from '../engine/store/arbiter-store';
import type { OperatorAction } from '../engine/core/events';
import { categorySchema, durationSchema, stateSchema } from '../engine/config/arbiter-config';
import type { ActiveAlarms } from './active-alarms';
import { countBySeverity } from '../check/check-report';
import type { CheckResult } from '../check/check-config';
import type { Authenticator } from './auth';
import type { DecisionLog } from './decision-log';
import type { EventStream } from './event-stream';
import { factValueProblem } from './fact-value';
import { HttpError, readJson, sendError, sendJson } from './http-io';
import type { LastCommands } from './last-commands';
import type { LifetimeMonitor } from './lifetime-monitor';
import type { ServerMetrics } from './metrics';
import { loggedCredential, OPERATOR, systemCredential } from './secrets';
import type { ServerEventInput } from './server-events';
import type { Sessions } from './sessions';
import type { StatusPage } from './status-page';

const commandBody = z.strictObject({ target: z.string().min(1), state: stateSchema, category: categorySchema.optional(), ttl: durationSchema.optional() });
const factBody = z.strictObject({
  value: z.unknown().superRefine((v, ctx) => {
    const problem = v === undefined ? 'is required' : factValueProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
});
const operatorBody = z.strictObject({ target: z.string().min(1).optional(), system: z.string().min(1).optional() });
const OPERATOR_ACTIONS: readonly OperatorAction[] = ['stop', 'resume', 'lock', 'unlock', 'release'];
const DEFAULT_HISTORY = 1000;
const MAX_HISTORY = 10_000;

/** What the API reads and writes; the edge server (the composition root) builds it. */
export interface HttpApiDeps {
  readonly arbiter: Arbiter;
  readonly auth: Authenticator;
  readonly log: DecisionLog;
  readonly stream: EventStream;
  readonly metrics: ServerMetrics;
  readonly lifetime: LifetimeMonitor;
  readonly alarms: ActiveAlarms;
  readonly lastCommands: LastCommands;
  /** `GET /` and the page's files. */
  readonly page: StatusPage;
  /** `operator`: reads need the operator's token or a session cookie obtained with it. */
  readonly reads: 'open' | 'operator';
  readonly sessions: Sessions;
  /** Served over TLS: session cookies get the Secure flag. */
  readonly secure: boolean;
  /** Server events (auth failures) go through the composition root to the log, stream and metrics. */
  readonly emit: (event: ServerEventInput) => void;
  /** The static check's result (SPEC.md §11), once it is done. */
  readonly check: () => Promise<CheckResult>;
  /** Start-up diagnostics, plugins, clock: the parts of `/api/status` the engine does not know. */
  readonly status: () => Record<string, unknown>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, params: string[], url: URL) => Promise<void> | void;

/**
 * The JSON API of issue 5 on node:http. Commands, releases and facts need a system's (or the operator's)
 * bearer token; operator actions the operator's. Reads are open to whoever reaches the listen address (loopback
 * by default) unless `auth.reads: operator`; the page itself holds no data and is always served.
 */
export class HttpApi {
  private readonly routes: { method: string; pattern: RegExp; handler: Handler }[] = [
    { method: 'GET', pattern: /^\/$|^\/page\/[^/]+$/, handler: (_q, res, _p, url) => this.deps.page.serve(url.pathname, res) },
    { method: 'GET', pattern: /^\/metrics$/, handler: this.reading((_q, res) => this.metricsText(res)) },
    { method: 'GET', pattern: /^\/api\/status$/, handler: this.reading((_q, res) => sendJson(res, 200, this.statusBody())) },
    { method: 'GET', pattern: /^\/api\/systems$/, handler: this.reading((_q, res) => sendJson(res, 200, this.systems())) },
    { method: 'GET', pattern: /^\/api\/actuators$/, handler: this.reading((_q, res) => sendJson(res, 200, [...this.deps.arbiter.tables.actuatorIds()].map((id) => this.actuator(id)))) },
    { method: 'GET', pattern: /^\/api\/actuators\/([^/]+)$/, handler: this.reading((_q, res, [id]) => sendJson(res, 200, this.actuatorOr404(id))) },
    { method: 'GET', pattern: /^\/api\/events$/, handler: this.reading((q, res, _p, url) => this.events(q, res, url)) },
    { method: 'GET', pattern: /^\/api\/check$/, handler: this.reading((_q, res) => this.checkFindings(res)) },
    { method: 'POST', pattern: /^\/api\/session$/, handler: (q, res) => this.session(q, res) },
    { method: 'POST', pattern: /^\/api\/systems\/([^/]+)\/commands$/, handler: (q, res, [id]) => this.command(q, res, id) },
    { method: 'DELETE', pattern: /^\/api\/systems\/([^/]+)\/claims\/([^/]+)$/, handler: (q, res, [id, target]) => this.release(q, res, id, target) },
    { method: 'PUT', pattern: /^\/api\/facts\/([^/]+)$/, handler: (q, res, [name]) => this.fact(q, res, name) },
    { method: 'POST', pattern: /^\/api\/operator\/([^/]+)$/, handler: (q, res, [action]) => this.operator(q, res, action) },
    { method: 'POST', pattern: /^\/api\/alarms\/([^/]+)\/acknowledge$/, handler: (q, res, [id]) => this.acknowledge(q, res, id) },
  ];

  constructor(private readonly deps: HttpApiDeps) {}

  /** The request listener: every failure becomes a JSON answer, never an unhandled rejection. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const matching = this.routes.filter((r) => r.pattern.test(url.pathname));
      if (matching.length === 0) throw new HttpError(404, `no such resource: ${url.pathname}`);
      const route = matching.find((r) => r.method === req.method);
      if (!route) throw new HttpError(405, `${req.method} is not allowed on ${url.pathname}`, undefined, { allow: matching.map((r) => r.method).join(', ') });
      const params = route.pattern.exec(url.pathname)!.slice(1).map(decodePathPart);
      await route.handler(req, res, params, url);
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof ArbiterStoppedError) sendError(res, new HttpError(503, 'the server is stopping', undefined, { 'retry-after': '5' }));
      else if (err instanceof NotAcknowledgedError) sendError(res, new HttpError(503, err.message, undefined, { 'retry-after': '1' }));
      else if (err instanceof StoreUnavailableError) sendError(res, new HttpError(503, `store-unavailable: ${err.message}`, undefined, { 'retry-after': '5' }));
      else if (err instanceof FactValueError) sendError(res, new HttpError(400, `value: ${err.message}`, 'value'));
      else sendError(res, err instanceof HttpError ? err : new HttpError(500, `internal error: ${err instanceof Error ? err.message : String(err)}`));
    }
  }

  private async authorize(req: IncomingMessage, credential: string): Promise<void> {
    const source = req.socket.remoteAddress;
    const result = await this.deps.auth.check(credential, req.headers.authorization, source);
    if (result.ok) return;
    if (result.status === 401) {
      this.deps.emit({ type: 'auth-failure', credential: loggedCredential(credential), reason: result.reason, source: source ?? '(unknown)' });
      throw new HttpError(401, result.message, undefined, { 'www-authenticate': 'Bearer realm="home-arbiter"' });
    }
    throw new HttpError(429, result.message, undefined, { 'retry-after': String(result.retryAfter) });
  }

  /** A read handler, guarded when reads need the operator: a session cookie, or the operator's bearer token. */
  private reading(handler: Handler): Handler {
    return async (req, res, params, url) => {
      if (this.deps.reads === 'operator' && !this.deps.sessions.valid(req.headers.cookie)) await this.authorize(req, OPERATOR);
      await handler(req, res, params, url);
    };
  }

  /** Trades the operator's token for a session cookie, for the status page (EventSource sends no headers). */
  private async session(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await this.authorize(req, OPERATOR);
    res.writeHead(204, { 'set-cookie': this.deps.sessions.create(this.deps.secure), 'cache-control': 'no-store' }).end();
  }

  private async command(req: IncomingMessage, res: ServerResponse, system: string): Promise<void> {
    await this.authorize(req, systemCredential(system));
    const body = await readJson(req, commandBody);
    const outcome = await this.deps.arbiter.command({ system, ...body });
    if (outcome.outcome === 'deferred') {
      const mine = this.deps.arbiter.explainClaim(body.target, system);
      sendJson(res, 200, { ...outcome, ...(mine ? { reason: mine.reason } : {}) });
    } else sendJson(res, outcome.outcome === 'denied' ? 409 : 200, outcome);
  }

  private async release(req: IncomingMessage, res: ServerResponse, system: string, target: string): Promise<void> {
    await this.authorize(req, systemCredential(system));
    await this.deps.arbiter.release(system, target);
    res.writeHead(204).end();
  }

  /**
   * Facts have owners (SPEC.md §6, issue 10 item 1): the operator may set any declared fact; a system, named by
   * `X-System-Id` and proving it with its own token, only a fact whose `writers` list it. An undeclared fact is
   * 404, a value too large or too deep 400, a fact the writer may not set 403, each naming what was wrong. The
   * engine logs every accepted write with its writer.
   */
  private async fact(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    const asSystem = req.headers['x-system-id'];
    await this.authorize(req, typeof asSystem === 'string' ? systemCredential(asSystem) : OPERATOR);
    if (!this.deps.arbiter.config.facts.some((f) => f.name === name)) throw new HttpError(404, `name: "${name.slice(0, 80)}" is not a declared fact (facts[])`, 'name');
    const { value } = await readJson(req, factBody);
    const outcome = this.deps.arbiter.setFacts({ [name]: value }, typeof asSystem === 'string' ? { system: asSystem } : 'operator');
    if (!outcome.accepted) {
      const why = outcome.reason === 'quarantined' ? `${asSystem} is quarantined` : `${asSystem} is not among the writers of fact "${name}" (facts[].writers)`;
      throw new HttpError(403, `name: ${why}`, 'name');
    }
    await this.deps.arbiter.settled();
    sendJson(res, 200, this.deps.arbiter.tables.fact(name) ?? { name, value });
  }

  private async operator(req: IncomingMessage, res: ServerResponse, action: string): Promise<void> {
    await this.authorize(req, OPERATOR);
    if (!OPERATOR_ACTIONS.includes(action as OperatorAction)) throw new HttpError(404, `unknown operator action "${action}" (${OPERATOR_ACTIONS.join(', ')})`, 'action');
    const subject = await readJson(req, operatorBody);
    if ((action === 'lock' || action === 'unlock') && !subject.target && !subject.system) throw new HttpError(400, `${action} needs target or system`, 'target');
    if (action === 'release' && !subject.system) throw new HttpError(400, 'release needs system', 'system');
    if (subject.target && !this.deps.arbiter.view(subject.target)) throw new HttpError(400, `unknown actuator "${subject.target}"`, 'target');
    if (subject.system && !this.deps.arbiter.tables.system(subject.system)) throw new HttpError(400, `unknown system "${subject.system}"`, 'system');
    await this.deps.arbiter.operator(action as OperatorAction, subject);
    sendJson(res, 200, { action, ...subject, ...this.deps.arbiter.tables.metaRow() });
  }

  /** The operator has seen an active alarm: it leaves the active alarms, and the decision log records that. */
  private async acknowledge(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    await this.authorize(req, OPERATOR);
    const active = /^\d+$/.test(id) ? this.deps.alarms.get(Number(id)) : undefined;
    if (!active) throw new HttpError(404, `no active alarm ${JSON.stringify(id)} (GET /api/status lists them under alarms)`, 'id');
    const { kind, target, system } = active.alarm;
    this.deps.emit({ type: 'alarm-acknowledged', alarm: active.id, kind, ...(target ? { target } : {}), ...(system ? { system } : {}) });
    sendJson(res, 200, { acknowledged: active.id, kind });
  }

  /** SSE when the client asks for `text/event-stream` (history from `since` or `Last-Event-ID` first), else JSON history. */
  private events(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const sinceParam = url.searchParams.get('since');
    const lastId = req.headers['last-event-id'];
    const since = sinceParam !== null ? this.parseSince(sinceParam, 'since') : typeof lastId === 'string' ? this.parseSince(lastId, 'Last-Event-ID') : undefined;
    const limit = parseLimit(url.searchParams.get('limit'));
    if ((req.headers.accept ?? '').includes('text/event-stream')) {
      if (this.deps.stream.full) throw new HttpError(503, `${this.deps.stream.size} event streams are open, the most allowed (server.maxStreams)`, undefined, { 'retry-after': '10' });
      this.deps.stream.attach(res, since === undefined ? [] : this.deps.log.entries(since, limit));
      return;
    }
    sendJson(res, 200, this.deps.log.read(since ?? 0, limit));
  }

  /** A log sequence number, or an ISO 8601 time converted to the last sequence number before it. */
  private parseSince(text: string, field: string): number {
    if (/^\d{1,15}$/.test(text)) return Number(text);
    const wall = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
    if (Number.isNaN(wall)) throw new HttpError(400, `${field}: "${text.slice(0, 40)}" is neither a sequence number nor an ISO 8601 time`, field);
    return this.deps.log.seqBefore(wall);
  }

  /** What `home-arbiter check --json` prints for the configuration, with the counts; waits for a check still running. */
  private async checkFindings(res: ServerResponse): Promise<void> {
    const { findings, notes } = await this.deps.check();
    sendJson(res, 200, { counts: countBySeverity(findings), findings, notes });
  }

  private systems(): unknown[] {
    const t = this.deps.arbiter.tables;
    return [...t.systemIds()].map((id) => {
      const s = t.system(id)!;
      return { id, category: s.category, rank: s.rank, targets: s.targets, quarantined: t.isQuarantined(id), lastCommand: this.deps.lastCommands.get(id) };
    });
  }

  private actuatorOr404(id: string): unknown {
    if (!this.deps.arbiter.view(id)) throw new HttpError(404, `unknown actuator "${id}"`, 'id');
    return this.actuator(id);
  }

  /** State, desired, owner, availability and every claim with who holds it and why it wins or waits. */
  private actuator(id: string): unknown {
    const view = this.deps.arbiter.view(id)!;
    const explanation = this.deps.arbiter.explain(id);
    return {
      ...view,
      claims: (explanation?.claims ?? []).map((c) => ({
        claimant: c.claimant,
        state: c.state,
        category: c.category,
        rank: c.rank,
        manual: c.manual,
        since: c.since,
        expiresAt: c.expiresAt,
        verdict: c.verdict,
        reason: c.reason,
      })),
      lifetime: this.deps.lifetime.counters(id),
    };
  }

  private statusBody(): unknown {
    const snapshot = this.deps.arbiter.tables.snapshot();
    return {
      ...this.deps.arbiter.tables.metaRow(),
      facts: snapshot.facts,
      insecure: this.deps.auth.insecure,
      streams: this.deps.stream.size,
      ...this.deps.status(),
    };
  }

  private async metricsText(res: ServerResponse): Promise<void> {
    const text = await this.deps.metrics.text();
    res.writeHead(200, { 'content-type': this.deps.metrics.contentType });
    res.end(text);
  }
}

/** `?limit=`: how many history entries to answer with, a whole number from 1 to `MAX_HISTORY`. */
function parseLimit(text: string | null): number {
  if (text === null) return DEFAULT_HISTORY;
  const limit = /^\d{1,6}$/.test(text) ? Number(text) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_HISTORY)) throw new HttpError(400, `limit: "${text.slice(0, 40)}" is not a whole number from 1 to ${MAX_HISTORY}`, 'limit');
  return limit;
}

function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new HttpError(400, `malformed percent-encoding in "${part}"`, 'path');
  }
}
