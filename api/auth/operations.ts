import { defineOperation } from '../operation';
import { Instant, Nullable, Type, Uuid } from '../schema';
import { Region } from '../regions/operations';
import { Organisation } from '../organisations/schemas';
import { Password, Role, User } from '../users/schemas';
import { changePassword, signIn, signOut, whoAmI } from './service';
import { CSRF_HEADER, SESSION_PATH, csrfTokenFor, sessionCookie } from '../session-cookie';
import { hashToken } from '../auth';

const meFields = {
  id: Uuid(),
  login: Type.String(),
  displayName: Type.String(),
  roles: Type.Array(Role),
  organisation: Nullable(Organisation),
  region: Nullable(Region),
  sessionExpiresAt: Instant(),
};
const Me = Type.Object(meFields, { additionalProperties: false });
const CsrfToken = Type.String({ description: `Send it back in the ${CSRF_HEADER} header on every request that changes anything` });
const Credentials = Type.Object({ login: Type.String({ minLength: 1, maxLength: 100 }), password: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

export const operations = [
  defineOperation({
    operationId: 'auth.login',
    method: 'post',
    path: '/api/v1/auth/login',
    summary: 'Sign in with login and password; returns an opaque bearer token',
    description:
      'Attempts are throttled per login and address and per address: past the limit it answers 429 with Retry-After until the window ends, ' +
      'the same for every login whether an account has it or not. A disabled account is refused like a wrong password.',
    tag: 'auth',
    access: 'public',
    body: Credentials,
    response: Type.Object({ token: Type.String(), tokenType: Type.Literal('Bearer'), expiresAt: Instant(), user: User }, { additionalProperties: false }),
    problems: [429],
    handler: async ({ body, deps, ip, requestId }) => ({ body: await signIn(deps, ip, requestId, body.login, body.password) }),
  }),

  defineOperation({
    operationId: 'auth.logout',
    method: 'post',
    path: '/api/v1/auth/logout',
    summary: 'Revoke the bearer token used for this request',
    tag: 'auth',
    access: 'authenticated',
    status: 204,
    handler: async ({ user, deps, requestId }) => {
      await signOut(deps, user, requestId);
      return { status: 204 };
    },
  }),

  defineOperation({
    operationId: 'me.get',
    method: 'get',
    path: '/api/v1/me',
    summary: 'Who you are: account, roles, organisation and region scope',
    tag: 'auth',
    access: 'authenticated',
    response: Me,
    handler: async ({ user, deps }) => ({ body: await whoAmI(deps, user) }),
  }),

  defineOperation({
    operationId: 'me.password',
    method: 'post',
    path: '/api/v1/me/password',
    summary: 'Change your own password; every other session of yours is revoked',
    description: 'Wrong current passwords are throttled like sign-ins: past the limit it answers 429 with Retry-After until the window ends.',
    tag: 'auth',
    access: 'authenticated',
    status: 204,
    body: Type.Object({ currentPassword: Type.String({ minLength: 1, maxLength: 200 }), newPassword: Password }, { additionalProperties: false }),
    problems: [422, 429],
    handler: async ({ user, body, deps, ip, requestId }) => {
      await changePassword(deps, user, ip, requestId, body.currentPassword, body.newPassword);
      return { status: 204 };
    },
  }),

  // The console's browser session: the same sign-in, session and sign-out as the bearer operations above (so
  // throttling, audit and revocation are one), with the token in an HttpOnly cookie instead of the body.
  defineOperation({
    operationId: 'session.create',
    method: 'post',
    path: SESSION_PATH,
    summary: 'Sign in from the console: the session token is set in an HttpOnly cookie; the answer carries the CSRF token',
    description: 'Throttled as auth.login: past the limit it answers 429 with Retry-After until the window ends.',
    tag: 'auth',
    access: 'public',
    status: 201,
    body: Credentials,
    response: Type.Object({ user: User, expiresAt: Instant(), csrfToken: CsrfToken }, { additionalProperties: false }),
    problems: [429],
    handler: async ({ body, deps, ip, requestId }) => {
      const { token, expiresAt, user } = await signIn(deps, ip, requestId, body.login, body.password);
      const maxAge = Math.max(0, Math.floor((Date.parse(expiresAt) - deps.clock().getTime()) / 1000));
      return { status: 201, body: { user, expiresAt, csrfToken: csrfTokenFor(hashToken(token)) }, headers: { 'Set-Cookie': sessionCookie(token, maxAge) } };
    },
  }),

  defineOperation({
    operationId: 'session.get',
    method: 'get',
    path: SESSION_PATH,
    summary: 'The signed-in account (as GET /me) and the CSRF token of this session, for a console page that was reloaded',
    tag: 'auth',
    access: 'authenticated',
    response: Type.Object({ ...meFields, csrfToken: CsrfToken }, { additionalProperties: false }),
    handler: async ({ user, deps }) => ({ body: { ...(await whoAmI(deps, user)), csrfToken: csrfTokenFor(user.tokenHash) } }),
  }),

  defineOperation({
    operationId: 'session.delete',
    method: 'delete',
    path: SESSION_PATH,
    summary: 'Sign out of the console: the session is revoked and its cookie cleared',
    tag: 'auth',
    access: 'authenticated',
    status: 204,
    handler: async ({ user, deps, requestId }) => {
      await signOut(deps, user, requestId);
      return { status: 204, headers: { 'Set-Cookie': sessionCookie('', 0) } };
    },
  }),
];
