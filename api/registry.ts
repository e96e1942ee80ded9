import crypto from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Knex } from 'knex';
import type { Client } from '@temporalio/client';
import type { Role } from '../db/repositories/users';
import { hashToken, principalForTokenHash, type Principal } from './auth';
import type { SessionCache } from './session-cache';
import type { SubscriptionDesk } from './subscription-desk';
import { ForbiddenError, HttpError, MalformedError, type Problem, UnauthorizedError, ConflictError, BusinessRuleError, ValidationError } from './errors';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import { validateRequest } from './validation';
import { sessionToken } from './session-cookie';

export interface ApiConfig {
  bodyLimitBytes: number;
  /** How long a signed-in principal is kept in this process (0: every request asks the database). */
  sessionCacheMs?: number;
  /** How long a request waits for its workflow update before answering 503 (the move may still complete). */
  updateTimeoutMs?: number;
  tokenTtlMs: number;
  loginMaxFailures: number;
  loginLockMs: number;
  temporalUiUrl?: string;
}

export interface AppDeps {
  db: Knex;
  temporal: { client: Client; taskQueue: string } | null;
  config: ApiConfig;
  log: Logger;
  metrics: Metrics;
  clock: () => Date;
  /** Set by createApp when not given. */
  sessions?: SessionCache;
  /** Set by createApp when not given: decides funders' subscriptions in batches. */
  subscriptions?: SubscriptionDesk;
}

/** Who may call a route: a list of roles, any signed-in user, or anyone. */
export type Access = readonly Role[] | 'authenticated' | 'public';

export interface Reply {
  status?: number;
  body?: unknown;
  /** For non-JSON answers (CSV exports, the docs page). */
  raw?: { contentType: string; data: string | Buffer; filename?: string };
  headers?: Record<string, string>;
}

export interface RouteContext<P = Record<string, string>, Q = Record<string, unknown>, B = unknown> {
  params: P;
  query: Q;
  body: B;
  user: Principal;
  requestId: string;
  /** The request's Idempotency-Key, when sent: stage moves use it as the Temporal update id. */
  idempotencyKey?: string;
  log: Logger;
  deps: AppDeps;
}

export interface RouteSpec {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string; // express style, e.g. /api/v1/users/:id
  operationId: string; // also the schema id: api/schemas/<operationId>.json
  summary: string;
  tag: string;
  access: Access;
  /** Status of a successful answer (documented in OpenAPI). */
  status?: number;
  /** Answers something other than JSON (documented as such). */
  produces?: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  handler: (ctx: RouteContext<any, any, any>) => Promise<Reply>;
}

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,200}$/;
const STALE_IN_PROGRESS_MS = 60_000;

export class RouteRegistry {
  readonly routes: RouteSpec[] = [];

  add(spec: RouteSpec): void {
    if (this.routes.some((r) => r.operationId === spec.operationId)) throw new Error(`duplicate operationId ${spec.operationId}`);
    this.routes.push(spec);
  }

  /**
   * One middleware that finds a request's route in a table built once (by method and number of path segments, then
   * segment by segment, in registration order) and runs it. Express's router would test the request against every
   * route's path pattern in turn, layer by layer: about a tenth of the API's CPU under load. As Express by default:
   * static segments match whatever their case, one trailing slash is ignored, parameters are URI-decoded, HEAD runs GET.
   */
  dispatcher(deps: AppDeps): RequestHandler {
    const table = new Map<string, CompiledRoute[]>();
    for (const spec of this.routes) {
      const segments = spec.path.split('/').slice(1);
      const key = `${spec.method.toUpperCase()} ${segments.length}`;
      const compiled: CompiledRoute = {
        segments: segments.map((seg) => (seg.startsWith(':') ? { param: seg.slice(1) } : seg.toLowerCase())),
        run: (req, res, params) => this.run(spec, deps, req, res, params),
      };
      table.set(key, [...(table.get(key) ?? []), compiled]);
    }
    return (req: Request, res: Response, next: NextFunction) => {
      let pathname = req.path;
      if (pathname.length > 1 && pathname.endsWith('/')) pathname = pathname.slice(0, -1);
      const parts = pathname.split('/').slice(1);
      const candidates = table.get(`${req.method === 'HEAD' ? 'GET' : req.method} ${parts.length}`);
      if (!candidates) return next();
      for (const route of candidates) {
        const params: Record<string, string> = {};
        const matched = route.segments.every((seg, i) => {
          if (typeof seg === 'string') return seg === parts[i] || seg === parts[i].toLowerCase();
          if (parts[i] === '') return false;
          params[seg.param] = parts[i];
          return true;
        });
        if (!matched) continue;
        try {
          for (const k of Object.keys(params)) params[k] = decodeURIComponent(params[k]);
        } catch {
          return next(new MalformedError(`A path parameter is not valid percent-encoding: ${req.path}`));
        }
        route.run(req, res, params).catch(next);
        return;
      }
      next();
    };
  }

  private async run(spec: RouteSpec, deps: AppDeps, req: Request, res: Response, params: Record<string, string>): Promise<void> {
    res.locals.route = spec.path;
    const requestId = res.locals.requestId as string;
    const log = deps.log.child({ requestId });
    const user = spec.access === 'public' ? null : await authenticate(req, deps);
    if (user && Array.isArray(spec.access) && !spec.access.some((r) => user.roles.includes(r))) {
      throw new ForbiddenError(`Only ${spec.access.join(', ')} may call ${spec.operationId}.`);
    }
    const parts = validateRequest(spec.operationId, {
      params,
      query: { ...(req.query as Record<string, unknown>) },
      body: req.body,
    });
    const ctx: RouteContext = {
      params: parts.params as Record<string, string>,
      query: parts.query,
      body: parts.body,
      user: user as Principal,
      requestId,
      log,
      deps,
    };
    const key = req.get('Idempotency-Key');
    if (key !== undefined && user) ctx.idempotencyKey = `${user.id}:${key}`;
    const reply = spec.method === 'post' && key !== undefined && user ? await withIdempotency(deps.db, user.id, key, req, () => spec.handler(ctx)) : await spec.handler(ctx);
    send(res, spec, reply);
  }
}

interface CompiledRoute {
  /** Static segments (lower case) and parameters, in path order. */
  segments: (string | { param: string })[];
  run: (req: Request, res: Response, params: Record<string, string>) => Promise<void>;
}

function send(res: Response, spec: RouteSpec, reply: Reply): void {
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  res.status(reply.status ?? spec.status ?? 200);
  if (reply.raw) {
    res.type(reply.raw.contentType);
    if (reply.raw.filename) res.attachment(reply.raw.filename);
    res.send(reply.raw.data);
  } else if (reply.body === undefined) {
    res.end();
  } else {
    res.json(reply.body);
  }
}

async function authenticate(req: Request, deps: AppDeps): Promise<Principal> {
  const now = deps.clock();
  const tokenHash = hashToken(sessionToken(req));
  const cached = deps.sessions?.get(tokenHash, now.getTime());
  if (cached) return cached;
  const principal = await principalForTokenHash(deps.db, tokenHash, now);
  if (principal) deps.sessions?.set(principal, now.getTime());
  if (!principal) throw new UnauthorizedError('The token is unknown, expired or revoked, or the account is disabled.');
  return principal;
}

function requestHash(req: Request): string {
  return crypto.createHash('sha256').update(`${req.method} ${req.originalUrl}\n${JSON.stringify(req.body ?? null)}`).digest('hex');
}

/**
 * A retry with the same Idempotency-Key and body gets the first answer again and changes nothing;
 * the same key with another body is refused (422), as is a retry while the first is still running (409).
 * Server errors are not kept, so a retry after one runs again.
 */
async function withIdempotency(db: Knex, userId: string, key: string, req: Request, run: () => Promise<Reply>): Promise<Reply> {
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new ValidationError([{ field: '/headers/Idempotency-Key', rule: 'pattern', message: 'must be 1-200 characters of A-Z a-z 0-9 _ . : -' }]);
  }
  const hash = requestHash(req);
  const inserted = await db('idempotency_keys')
    .insert({ user_id: userId, key, method: req.method, path: req.originalUrl, request_hash: hash })
    .onConflict(['user_id', 'key'])
    .ignore()
    .returning('key');
  if (inserted.length === 0) {
    const prior = await db('idempotency_keys').where({ user_id: userId, key }).first();
    if (!prior || prior.request_hash !== hash) {
      throw new BusinessRuleError([{ field: '/headers/Idempotency-Key', rule: 'idempotency-key-reused', message: 'was already used with a different request' }]);
    }
    if (prior.status === null) {
      // A request that died mid-way (process killed) leaves its row unfinished: after a while a retry takes it over.
      if (Date.now() - new Date(prior.created_at).getTime() < STALE_IN_PROGRESS_MS) throw new ConflictError('A request with this Idempotency-Key is still being processed; retry shortly.');
      await db('idempotency_keys').where({ user_id: userId, key }).delete();
      return withIdempotency(db, userId, key, req, run);
    }
    const stored = prior.response as { status?: number; body?: unknown; error?: Problem };
    if (stored.error) throw HttpError.fromProblem(stored.error, { 'Idempotent-Replayed': 'true' });
    return { status: stored.status, body: stored.body, headers: { 'Idempotent-Replayed': 'true' } };
  }
  try {
    const reply = await run();
    await db('idempotency_keys').where({ user_id: userId, key }).update({ status: reply.status ?? 200, response: JSON.stringify({ status: reply.status, body: reply.body }) });
    return reply;
  } catch (err) {
    if (err instanceof HttpError && err.status < 500) {
      await db('idempotency_keys').where({ user_id: userId, key }).update({ status: err.status, response: JSON.stringify({ error: err.toProblem() }) });
    } else {
      await db('idempotency_keys').where({ user_id: userId, key }).delete();
    }
    throw err;
  }
}
