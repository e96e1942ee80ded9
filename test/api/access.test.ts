import crypto from 'node:crypto';
import request from 'supertest';
import { buildRegistry } from '../../api/app';
import { newToken } from '../../api/auth';
import type { RegisteredOperation as RouteSpec } from '../../api/registry';
import { ROLES, type Role } from '../../db/repositories/users';
import { startStack, createUser, type Stack } from '../helpers/stack';

// Walks the registry itself, so a route added later is covered without touching this file.
const routes = buildRegistry().routes;
const guarded = routes.filter((r) => r.access !== 'public');
const byRoles = routes.filter((r): r is RouteSpec & { access: readonly Role[] } => Array.isArray(r.access));
const forAnyone = routes.filter((r) => r.access === 'authenticated');
const label = (r: RouteSpec) => `${r.method.toUpperCase()} ${r.path} (${r.operationId})`;

let stack: Stack;
const userIds = new Map<Role, string>();

beforeAll(async () => {
  stack = await startStack();
  const users = await Promise.all(ROLES.map((role) => createUser(stack, [role])));
  users.forEach((u, i) => userIds.set(ROLES[i], u.id));
});
afterAll(async () => {
  await stack.close();
});

/**
 * A fresh session per call, written straight to the sessions table: a call that happens to end
 * sessions (logout, a password change) cannot spoil the calls after it.
 */
async function tokenFor(role: Role): Promise<string> {
  const { token, tokenHash } = newToken();
  await stack.db('sessions').insert({ token_hash: tokenHash, user_id: userIds.get(role), expires_at: new Date(Date.now() + 3600_000) });
  return token;
}

function call(route: RouteSpec, token?: string): request.Test {
  const url = route.path.replace(/:[A-Za-z]+/g, () => crypto.randomUUID());
  let req = request(stack.app)[route.method](url);
  if (token) req = req.set('Authorization', `Bearer ${token}`);
  return route.method === 'post' || route.method === 'put' || route.method === 'patch' ? req.send({}) : req;
}

test('the registry has guarded routes of both kinds to walk', () => {
  expect(byRoles.length).toBeGreaterThan(0);
  expect(forAnyone.length).toBeGreaterThan(0);
  for (const r of byRoles) for (const role of r.access) expect(ROLES).toContain(role);
});

describe.each(guarded.map((r) => [label(r), r] as const))('%s', (_label, route) => {
  test('without a token, it answers 401 problem+json', async () => {
    const res = await call(route);
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 401, type: expect.stringMatching(/\/unauthorized$/) });
  });
});

describe.each(byRoles.map((r) => [label(r), r] as const))('%s', (_label, route) => {
  const allowed = ROLES.filter((role) => route.access.includes(role));
  const refused = ROLES.filter((role) => !route.access.includes(role));

  if (refused.length) {
    test(`a ${refused.join(', ')} is refused with 403 problem+json`, async () => {
      const got = await Promise.all(refused.map(async (role) => [role, await call(route, await tokenFor(role))] as const));
      for (const [role, res] of got) {
        expect({ role, status: res.status }).toEqual({ role, status: 403 });
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body.type).toMatch(/\/forbidden$/);
      }
    });
  }

  test(`a ${allowed.join(', ')} passes the access check (no 401/403, no server error)`, async () => {
    for (const role of allowed) {
      const res = await call(route, await tokenFor(role));
      expect({ role, status: res.status, forbidden: [401, 403].includes(res.status) || res.status >= 500 }).toEqual({ role, status: res.status, forbidden: false });
    }
  });
});

describe.each(forAnyone.map((r) => [label(r), r] as const))('%s', (_label, route) => {
  test('every role passes the access check (no 401/403, no server error)', async () => {
    for (const role of ROLES) {
      const res = await call(route, await tokenFor(role));
      expect({ role, status: res.status, forbidden: [401, 403].includes(res.status) || res.status >= 500 }).toEqual({ role, status: res.status, forbidden: false });
    }
  });
});
