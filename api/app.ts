import crypto from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { HttpError, MalformedError, PayloadTooLargeError, RouteNotFoundError, UnsupportedMediaTypeError } from './errors';
import { languageOf, msg, type Language } from '../i18n';
import { declaresProblem, RouteRegistry, type RegisteredOperation } from './registry';
import type { AppDeps } from './deps';
import { operations } from './operations';
import { sweepExpiredKeys } from './idempotency';
import { SubscriptionDesk } from './funding/desk';
import { SessionCache } from './session-cache';
import { mountConsole } from './console';
import { docsOperations, mountDocsPage } from './docs/operations';

export type { AppDeps } from './deps';

/** Every route of the product, in one registry: the app mounts it and the OpenAPI document is built from it. */
export function buildRegistry(): RouteRegistry {
  const registry = new RouteRegistry();
  registry.addAll(operations);
  // The document describes the registry it is served from, so its operations are made with it, last.
  registry.addAll(docsOperations(registry));
  return registry;
}

const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** Set on every answer, the same for all: built once. */
const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'no-referrer'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Cache-Control', 'no-store'],
  ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
];

/** The app factory: no listen here, so tests drive it with supertest and the CLI decides where it listens. */
export function createApp(deps: AppDeps, registry = buildRegistry()): express.Express {
  deps.sessions ??= new SessionCache(deps.config.sessionCacheMs ?? 5000);
  deps.subscriptions ??= new SubscriptionDesk(deps.db, {
    onBatch: (size, seconds) => {
      deps.metrics.subscriptionBatchSize.observe(size);
      deps.metrics.subscriptionBatchDuration.observe(seconds);
    },
  });
  startKeySweeper(deps);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  if (deps.config.trustProxy != null) app.set('trust proxy', deps.config.trustProxy);

  const jsonBody = express.json({ limit: deps.config.bodyLimitBytes, strict: true, type: 'application/json' });
  const observe = durationObserver(deps);
  const dispatch = registry.dispatcher(deps);
  // One middleware for the operations, not five: each layer of Express's router costs on every request. It sets the
  // request id and the headers every answer carries, hooks the duration metric and the log line, parses a JSON body,
  // and runs the request's operation; a request no operation answers goes on to the pages and the 404 below.
  app.use((req: Request, res: Response, next: NextFunction) => {
    const incoming = req.headers['x-request-id'];
    const requestId = incoming && REQUEST_ID.test(incoming as string) ? (incoming as string) : crypto.randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value);
    const started = process.hrtime.bigint();
    // One handler when the answer is sent: the duration metric and the request's log line.
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = (res.locals.route as string | undefined) ?? 'unmatched';
      observe(req.method, route, res.statusCode, seconds);
      logRequest(deps, req, res, route, seconds);
    });
    // A body is parsed as JSON (and a write's body must be JSON) only when the request has one, as body-parser decides.
    const length = req.headers['content-length'];
    const chunked = req.headers['transfer-encoding'] !== undefined;
    if (!chunked && (length === undefined || Number.isNaN(Number(length)))) {
      req.body = undefined;
      return dispatch(req, res, next);
    }
    if (BODY_METHODS.has(req.method) && (chunked || Number(length) > 0) && !req.is('application/json')) return next(new UnsupportedMediaTypeError(req.get('Content-Type')));
    jsonBody(req, res, (err?: unknown) => (err ? next(err) : dispatch(req, res, next)));
  });

  // Static pages after the operations: no operation path lies under them, and the API's requests skip their layers.
  mountDocsPage(app);
  mountConsole(app);

  app.use((req: Request, _res: Response, next: NextFunction) => next(new RouteNotFoundError(req.method, req.path)));
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let httpError = toHttpError(err, deps.config.bodyLimitBytes);
    const op = res.locals.operation as RegisteredOperation | undefined;
    if (deps.config.validateResponses && op && !declaresProblem(op, httpError.status)) {
      httpError = new HttpError(500, 'undeclared-problem', 'Problem status not declared', `${op.operationId} answered ${httpError.status} (${httpError.message}), a status its operation does not declare.`);
    }
    if (httpError.status >= 500) deps.log.error('request failed', { requestId: res.locals.requestId, err, path: req.originalUrl });
    for (const [k, v] of Object.entries(httpError.headers)) res.setHeader(k, v);
    // The problem's title and detail in the language the request prefers (Chinese unless it prefers English),
    // negotiated once: the dispatcher keeps it when it ran first.
    const lang = (res.locals.lang as Language | undefined) ?? languageOf(req);
    res.setHeader('Content-Language', lang);
    res.vary('Accept-Language');
    res.status(httpError.status).type('application/problem+json').send(JSON.stringify({ ...httpError.toProblem(req.originalUrl, lang), requestId: res.locals.requestId }));
  });
  return app;
}

function toHttpError(err: unknown, limit: number): HttpError {
  if (err instanceof HttpError) return err;
  const e = err as { type?: string; status?: number; message?: string };
  if (e?.type === 'entity.too.large') return new PayloadTooLargeError(limit);
  if (e?.type === 'entity.parse.failed') return new MalformedError(msg('problem.malformed.json', { reason: e.message ?? '' }));
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return new UnsupportedMediaTypeError(e.message);
  if (e?.status === 400) return new MalformedError(msg('problem.malformed.detail', { reason: e.message ?? '' }));
  return new HttpError(500, 'internal', 'Internal server error', msg('problem.internal.detail'));
}

/**
 * The duration histogram's observer: a labelled child a (method, route, status), kept, so a request does not build
 * and hash a labels object (routes are patterns, so there are few).
 */
function durationObserver(deps: AppDeps): (method: string, route: string, status: number, seconds: number) => void {
  const children = new Map<string, { observe(seconds: number): void }>();
  return (method, route, status, seconds) => {
    const key = `${method} ${status} ${route}`;
    let child = children.get(key);
    if (!child) {
      child = deps.metrics.httpDuration.labels({ method, route, status: String(status) });
      if (children.size < 10_000) children.set(key, child);
    }
    child.observe(seconds);
  };
}

const SWEEP_EVERY_MS = 10 * 60_000;

/** Idempotency keys are kept 24 hours; past that each API process removes them now and then, off the request path. */
function startKeySweeper(deps: AppDeps): void {
  const timer = setInterval(() => {
    sweepExpiredKeys(deps.db).catch((err: unknown) => deps.log.warn('sweeping expired idempotency keys failed', { err }));
  }, SWEEP_EVERY_MS);
  timer.unref();
}

const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * One line a request, through pino (asynchronous): the request id, method, route pattern, path without the query
 * string, status and time; health probes are left out. Written in one call, not through pino-http, which made two or
 * three child loggers a request and cost more than a whole `GET /me` (measured), and without the redaction pass (see
 * Logger.requests: none of these fields is a secret one).
 */
function logRequest(deps: AppDeps, req: Request, res: Response, route: string, seconds: number): void {
  const path = req.originalUrl.split('?')[0];
  if (QUIET_ROUTES.has(path)) return;
  const failed = res.statusCode >= 500;
  const pino = deps.log.pino;
  if (!pino.isLevelEnabled(failed ? 'error' : 'info')) return;
  const line = { requestId: res.locals.requestId as string, req: { method: req.method, path }, res: { status: res.statusCode }, route, ms: Math.round(seconds * 1000) };
  if (failed) deps.log.requests.error(line, 'request failed');
  else deps.log.requests.info(line, 'request');
}
