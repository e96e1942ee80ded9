import type { NextFunction, Request, RequestHandler, Response } from 'express';
import FindMyWay, { type HTTPVersion } from 'find-my-way';
import { hashToken, principalForTokenHash, type Principal } from './auth';
import type { AppDeps } from './deps';
import { ForbiddenError, HttpError, MalformedError, UnauthorizedError } from './errors';
import { languageOf, msg } from '../i18n';
import { inTransactionWithKey, withKey } from './idempotency';
import { localiseBody } from './localise';
import type { Operation, OperationContext, Reply } from './operation';
import { SESSION_PATH, sessionCookies, sessionToken } from './session-cookie';

export type { AppDeps, ApiConfig } from './deps';
export type { Access, Reply } from './operation';

/** An operation as the registry holds it: every one is declared with defineOperation (api/operation.ts). */
export type RegisteredOperation = Operation;

// Input, sign-in and role refusals, and server errors, may come from any operation; the rest it declares.
const STATUSES_EVERY_OPERATION_MAY_ANSWER = new Set([400, 401, 403, 413, 415, 500]);

export class RouteRegistry {
  readonly routes: RegisteredOperation[] = [];

  /** Adds typed operations (see api/operation.ts). */
  addAll(operations: readonly Operation[]): void {
    for (const op of operations) this.push(op);
  }

  private push(op: RegisteredOperation): void {
    if (this.routes.some((r) => r.operationId === op.operationId)) throw new Error(`duplicate operationId ${op.operationId}`);
    this.routes.push(op);
  }

  /**
   * One middleware that finds a request's operation with find-my-way (a radix tree: static segments win over
   * parameters whatever the order they were added in) and runs it. As Express by default: static segments match
   * whatever their case, one trailing slash is ignored, parameters are URI-decoded, HEAD runs GET.
   */
  dispatcher(deps: AppDeps): RequestHandler {
    const router = FindMyWay<HTTPVersion.V1>({ caseSensitive: false, ignoreTrailingSlash: true, onBadUrl: () => undefined });
    type Found = { op: RegisteredOperation };
    const store = new Map<string, Found>();
    for (const op of this.routes) {
      const key = `${op.method} ${op.path}`;
      store.set(key, { op });
      router.on(op.method.toUpperCase() as 'GET', op.path, () => undefined, { key });
    }
    return (req: Request, res: Response, next: NextFunction) => {
      const found = router.find((req.method === 'HEAD' ? 'GET' : req.method) as 'GET', req.path);
      if (!found) return next();
      // find-my-way answers a path it cannot decode with onBadUrl's handler and no store.
      if (!found.store) return next(new MalformedError(msg('problem.malformed.path', { path: req.path })));
      const { op } = store.get((found.store as { key: string }).key)!;
      const params: Record<string, string> = {};
      for (const [k, v] of Object.entries(found.params)) if (v !== undefined) params[k] = v;
      // The session routes mark their cookies (Secure over HTTPS, and the console's marker); no other route sets one.
      if (op.path === SESSION_PATH) sessionCookies(req, res, () => undefined);
      run(op, deps, req, res, params).catch(next);
    };
  }
}

async function run(op: RegisteredOperation, deps: AppDeps, req: Request, res: Response, params: Record<string, string>): Promise<void> {
  res.locals.route = op.path;
  res.locals.operation = op;
  const requestId = res.locals.requestId as string;
  // Negotiated once a request: the error handler reads it from here too.
  const lang = languageOf(req);
  res.locals.lang = lang;
  // A session this process holds answers without a turn of the event loop; otherwise the database is asked.
  const found = op.access === 'public' ? null : principalOf(req, deps);
  const user = found instanceof Promise ? await found : found;
  if (user && Array.isArray(op.access) && !op.access.some((r) => user.roles.includes(r))) {
    throw new ForbiddenError(msg('problem.forbidden.roles', { roles: op.access.join(', '), operation: op.operationId }));
  }
  const parts = op.validateRequest({ params, query: { ...(req.query as Record<string, unknown>) }, body: req.body });
  const ctx: OperationContext = {
    params: parts.params as Record<string, string>,
    query: parts.query,
    body: parts.body,
    user: user as Principal,
    requestId,
    // Read only by the operations that throttle by address: Express works it out from the socket and trusted proxies.
    get ip() {
      return req.ip ?? req.socket.remoteAddress ?? '';
    },
    lang,
    // A child logger only for the handlers that log: making one costs more than most requests' own work.
    get log() {
      return deps.log.child({ requestId });
    },
    deps,
    trx: NO_TRANSACTION,
  };
  const key = req.get('Idempotency-Key');
  if (key !== undefined && user) ctx.idempotencyKey = `${user.id}:${key}`;
  const keyed = key !== undefined && user && op.method !== 'get' ? { userId: user.id, key, method: req.method, path: req.originalUrl, body: req.body } : null;
  let reply: Reply;
  if (op.transaction) {
    // The transaction set on the context itself: a copy would evaluate its log getter (a child logger) for nothing.
    reply = await inTransactionWithKey(deps.db, keyed, (trx) => {
      ctx.trx = trx;
      return op.handler(ctx);
    });
  } else if (keyed) {
    reply = await withKey(deps.db, keyed, () => op.handler(ctx));
  } else {
    reply = await op.handler(ctx);
  }
  // Rendered after the idempotency record is kept, so a replay answers in the replaying request's language.
  // Only operations whose answer declares colour reasons have any to render (see Operation.localised).
  if (op.localised && !reply.raw && reply.body !== undefined) reply = { ...reply, body: localiseBody(reply.body, lang) };
  if (deps.config.validateResponses && !reply.raw) {
    const errors = op.responseErrors(reply.body);
    if (errors.length) {
      throw new HttpError(500, 'response-schema', 'Answer does not match its schema', `${op.operationId} answered a body its declared response schema refuses: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`, { errors });
    }
  }
  send(res, op, reply);
}

/** A write a caller may send with an Idempotency-Key: it may answer 409 while another request holds the key. */
export function keyedWrite(op: Pick<RegisteredOperation, 'method' | 'access'>): boolean {
  return op.method !== 'get' && op.access !== 'public';
}

/** Whether an operation may answer a problem status (the test suite checks every problem against the document). */
export function declaresProblem(op: RegisteredOperation, status: number): boolean {
  if (status === 409 && keyedWrite(op)) return true;
  return STATUSES_EVERY_OPERATION_MAY_ANSWER.has(status) || (op.problems as readonly number[]).includes(status);
}

const NO_TRANSACTION = new Proxy({} as OperationContext['trx'], {
  get() {
    throw new Error('ctx.trx is only there for operations declared with transaction: true');
  },
  apply() {
    throw new Error('ctx.trx is only there for operations declared with transaction: true');
  },
});

function send(res: Response, op: RegisteredOperation, reply: Reply): void {
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  res.status(reply.status ?? op.status);
  if (reply.raw) {
    res.type(reply.raw.contentType);
    if (reply.raw.filename) res.attachment(reply.raw.filename);
    res.send(reply.raw.data);
  } else if (reply.body === undefined) {
    res.end();
  } else if (plainJson(res)) {
    sendJson(res, reply.body);
  } else {
    res.json(reply.body);
  }
}

/** An answer `res.json` would send as it is: not conditional, no content type of its own, a status with a body. */
function plainJson(res: Response): boolean {
  const headers = res.req.headers;
  const status = res.statusCode;
  return headers['if-none-match'] === undefined && headers['if-modified-since'] === undefined && !res.hasHeader('Content-Type') && status !== 204 && status !== 205 && status !== 304;
}

/**
 * What `res.json` does for a plainJson answer with this app's settings (no replacer, spacing, escaping or ETag),
 * without its detours: the body stringified once, its Content-Type and Content-Length, no body for HEAD.
 */
function sendJson(res: Response, body: unknown): void {
  const text = JSON.stringify(body) as string | undefined;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  if (text === undefined) {
    res.end();
    return;
  }
  if (!res.hasHeader('Transfer-Encoding')) res.setHeader('Content-Length', String(Buffer.byteLength(text, 'utf8')));
  if (res.req.method === 'HEAD') res.end();
  else res.end(text, 'utf8');
}

export async function authenticate(req: Request, deps: AppDeps): Promise<Principal> {
  return principalOf(req, deps);
}

/** The signed-in principal of a request: at once when this process has it cached, else from the database. */
function principalOf(req: Request, deps: AppDeps): Principal | Promise<Principal> {
  const now = deps.clock();
  const tokenHash = hashToken(sessionToken(req));
  const cached = deps.sessions?.get(tokenHash, now.getTime());
  if (cached) return cached;
  return principalFromDatabase(deps, tokenHash, now);
}

async function principalFromDatabase(deps: AppDeps, tokenHash: string, now: Date): Promise<Principal> {
  const principal = await principalForTokenHash(deps.db, tokenHash, now);
  if (principal) deps.sessions?.set(principal, now.getTime());
  if (!principal) throw new UnauthorizedError(msg('problem.unauthorized.token'));
  return principal;
}
