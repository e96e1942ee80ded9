import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { hashToken } from './auth';
import { ForbiddenError, UnauthorizedError } from './errors';
import type { RouteRegistry, RouteSpec } from './registry';

/**
 * Browser sessions for the console: the same opaque session token as the bearer header, carried in an HttpOnly,
 * SameSite=Strict cookie so no script can read it. A request authenticated by the cookie that changes state must
 * also carry the session's CSRF token in a header; the token is derived from the session, so nothing more is stored.
 */
export const SESSION_COOKIE = 'fuhua_session';
export const CSRF_HEADER = 'X-CSRF-Token';
/** Readable by the console's script; says only that a session cookie was set. */
export const SIGNED_IN_COOKIE = 'fuhua_signed_in';

const TOKEN = /^[A-Za-z0-9_-]{20,100}$/;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const SESSION_PATH = '/api/v1/auth/session';

/** The CSRF token of a session: a one-way function of its token hash, so the API can check it without storing it. */
export function csrfTokenFor(tokenHash: string): string {
  return crypto.createHash('sha256').update(`fuhua-csrf\0${tokenHash}`).digest('base64url');
}

function cookieValue(req: Request, name: string): string | undefined {
  const header = req.get('Cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The session token of a request: the bearer header when sent, else the session cookie. A cookie on a request
 * that changes state must come with the session's CSRF header.
 */
export function sessionToken(req: Request): string {
  const header = req.get('Authorization');
  if (header !== undefined) {
    const match = header.match(/^Bearer ([A-Za-z0-9_-]{20,100})$/);
    if (!match) throw new UnauthorizedError('The Authorization header must be "Bearer <token>".');
    return match[1];
  }
  const cookie = cookieValue(req, SESSION_COOKIE);
  if (!cookie || !TOKEN.test(cookie)) throw new UnauthorizedError('A bearer token is required (or, from the console, its session cookie).');
  if (!SAFE_METHODS.has(req.method)) {
    const sent = Buffer.from(req.get(CSRF_HEADER) ?? '');
    const expected = Buffer.from(csrfTokenFor(hashToken(cookie)));
    if (sent.length !== expected.length || !crypto.timingSafeEqual(sent, expected)) {
      throw new ForbiddenError(`A request signed in by cookie that changes anything must carry the ${CSRF_HEADER} header of its session.`);
    }
  }
  return cookie;
}

function setCookie(token: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}`;
}

/**
 * On the session routes: marks the cookies Secure when the request came over HTTPS (directly, or through a proxy
 * Express trusts), and sets beside the session cookie a marker without any secret that a script may read, so a
 * freshly loaded console knows whether to ask for its session instead of provoking a 401.
 */
export function sessionCookies(req: Request, res: Response, next: NextFunction): void {
  if (req.path.replace(/\/$/, '') !== SESSION_PATH) return next();
  const setHeader = res.setHeader.bind(res);
  res.setHeader = ((name: string, value: string | number | readonly string[]) => {
    if (name.toLowerCase() !== 'set-cookie' || typeof value !== 'string') return setHeader(name, value);
    const secure = req.secure ? '; Secure' : '';
    const maxAge = value.match(/Max-Age=(\d+)/)?.[1] ?? '0';
    return setHeader(name, [`${value}${secure}`, `${SIGNED_IN_COOKIE}=${maxAge === '0' ? '' : '1'}; Path=/; SameSite=Strict; Max-Age=${maxAge}${secure}`]);
  }) as typeof res.setHeader;
  next();
}

function route(registry: RouteRegistry, operationId: string): RouteSpec {
  const found = registry.routes.find((r) => r.operationId === operationId);
  if (!found) throw new Error(`session cookies need the ${operationId} operation`);
  return found;
}

/**
 * Sign-in, session and sign-out for the browser. They reuse the bearer operations (auth.login, me.get, auth.logout),
 * so lock-outs, audit and revocation are the same for both; only the token travels in a cookie instead of the body.
 */
export function registerSessionCookieRoutes(registry: RouteRegistry): void {
  registry.add({
    method: 'post',
    path: SESSION_PATH,
    operationId: 'session.create',
    summary: 'Sign in from the console: the session token is set in an HttpOnly cookie; the answer carries the CSRF token',
    tag: 'auth',
    access: 'public',
    status: 201,
    handler: async (ctx) => {
      const reply = await route(registry, 'auth.login').handler(ctx);
      const { token, expiresAt, user } = reply.body as { token: string; expiresAt: string; user: unknown };
      const maxAge = Math.max(0, Math.floor((Date.parse(expiresAt) - ctx.deps.clock().getTime()) / 1000));
      return { status: 201, body: { user, expiresAt, csrfToken: csrfTokenFor(hashToken(token)) }, headers: { 'Set-Cookie': setCookie(token, maxAge) } };
    },
  });

  registry.add({
    method: 'get',
    path: SESSION_PATH,
    operationId: 'session.get',
    summary: 'The signed-in account (as GET /me) and the CSRF token of this session, for a console page that was reloaded',
    tag: 'auth',
    access: 'authenticated',
    handler: async (ctx) => {
      const me = await route(registry, 'me.get').handler(ctx);
      return { body: { ...(me.body as object), csrfToken: csrfTokenFor(ctx.user.tokenHash) } };
    },
  });

  registry.add({
    method: 'delete',
    path: SESSION_PATH,
    operationId: 'session.delete',
    summary: 'Sign out of the console: the session is revoked and its cookie cleared',
    tag: 'auth',
    access: 'authenticated',
    status: 204,
    handler: async (ctx) => {
      await route(registry, 'auth.logout').handler(ctx);
      return { status: 204, headers: { 'Set-Cookie': setCookie('', 0) } };
    },
  });
}
