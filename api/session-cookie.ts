import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { hashToken } from './auth';
import { ForbiddenError, UnauthorizedError } from './errors';
import { msg } from '../i18n';

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
/** Where the console signs in, reads its session and signs out (the auth.ts operations session.*). */
export const SESSION_PATH = '/api/v1/auth/session';

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
    if (!match) throw new UnauthorizedError(msg('problem.unauthorized.header'));
    return match[1];
  }
  const cookie = cookieValue(req, SESSION_COOKIE);
  if (!cookie || !TOKEN.test(cookie)) throw new UnauthorizedError(msg('problem.unauthorized.no-token'));
  if (!SAFE_METHODS.has(req.method)) {
    const sent = Buffer.from(req.get(CSRF_HEADER) ?? '');
    const expected = Buffer.from(csrfTokenFor(hashToken(cookie)));
    if (sent.length !== expected.length || !crypto.timingSafeEqual(sent, expected)) {
      throw new ForbiddenError(msg('problem.forbidden.csrf', { header: CSRF_HEADER }));
    }
  }
  return cookie;
}

/** The Set-Cookie value that carries a session token (an empty token and 0 seconds clear it). */
export function sessionCookie(token: string, maxAgeSeconds: number): string {
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
