import crypto from 'node:crypto';
import request from 'supertest';
import { startStack, createUser, TEST_PASSWORD, type Stack, type TestUser } from '../helpers/stack';

// A low lock threshold so the lockout test needs only a few attempts.
const MAX_FAILURES = 3;
const LOCK_MS = 60_000;

let stack: Stack;
let admin: TestUser;
beforeAll(async () => {
  stack = await startStack({ worker: false, config: { loginMaxFailures: MAX_FAILURES, loginLockMs: LOCK_MS } });
  admin = await createUser(stack, ['admin']);
});
afterAll(async () => {
  await stack.close();
});

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
const login = (loginName: string, password: string) => request(stack.app).post('/api/v1/auth/login').send({ login: loginName, password });
const me = (token?: string) => {
  const req = request(stack.app).get('/api/v1/me');
  return token === undefined ? req : req.set('Authorization', `Bearer ${token}`);
};
const sessionCount = async (userId: string) => Number((await stack.db('sessions').where({ user_id: userId }).count<{ count: string }[]>('* as count'))[0].count);

function expectProblem(res: request.Response, status: number, slug: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.status).toBe(status);
  expect(res.body.type).toMatch(new RegExp(`/${slug}$`));
}

describe('signing in', () => {
  test('when the password is right, an opaque token is returned and the sessions table holds only its sha256 hex', async () => {
    const user = await createUser(stack, ['applicant']);
    const res = await login(user.login, TEST_PASSWORD);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tokenType: 'Bearer', user: { id: user.id, login: user.login } });
    const token = res.body.token as string;
    expect(token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(res.body.user).not.toHaveProperty('passwordHash');

    const rows = await stack.db('sessions').where({ user_id: user.id });
    expect(rows).toHaveLength(2); // createUser signed in once already
    const mine = rows.find((r) => r.token_hash === sha256(token));
    expect(mine).toBeDefined();
    expect(mine.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(new Date(mine.expires_at).toISOString()).toBe(res.body.expiresAt);
    // The plain token appears nowhere in the table.
    const all = JSON.stringify(await stack.db('sessions').select('*'));
    expect(all).not.toContain(token);
    expect(await stack.db('sessions').where({ token_hash: token }).first()).toBeUndefined();

    const who = await me(token);
    expect(who.status).toBe(200);
    expect(who.body).toMatchObject({ id: user.id, login: user.login, roles: ['applicant'] });
  });

  test('when the password is wrong, it answers 401 problem+json, counts the failure and creates no session', async () => {
    const user = await createUser(stack, ['applicant']);
    const before = await sessionCount(user.id);
    const res = await login(user.login, 'not-the-password');
    expectProblem(res, 401, 'unauthorized');
    expect(res.body.detail).toBe('Wrong login or password.');
    expect(res.body).not.toHaveProperty('token');
    expect(await sessionCount(user.id)).toBe(before);
    expect((await stack.db('users').where({ id: user.id }).first()).failed_logins).toBe(1);
  });

  test('when the login is unknown, it answers 401 with exactly the same problem as a wrong password', async () => {
    const user = await createUser(stack, ['applicant']);
    const sessionsBefore = await stack.db('sessions').count<{ count: string }[]>('* as count');
    const wrongPassword = await login(user.login, 'not-the-password');
    const unknown = await login(`nobody-${crypto.randomBytes(4).toString('hex')}`, 'not-the-password');
    expectProblem(unknown, 401, 'unauthorized');
    const strip = (b: Record<string, unknown>) => ({ type: b.type, title: b.title, status: b.status, detail: b.detail });
    expect(strip(unknown.body)).toEqual(strip(wrongPassword.body));
    expect(await stack.db('sessions').count<{ count: string }[]>('* as count')).toEqual(sessionsBefore);
  });

  test('a successful sign-in writes a "login" audit row carrying the request id', async () => {
    const user = await createUser(stack, ['funder']);
    const requestId = `login-audit-${crypto.randomBytes(4).toString('hex')}`;
    const res = await request(stack.app).post('/api/v1/auth/login').set('X-Request-Id', requestId).send({ login: user.login, password: TEST_PASSWORD });
    expect(res.status).toBe(200);
    const rows = await stack.db('audit_log').where({ request_id: requestId });
    expect(rows).toEqual([expect.objectContaining({ action: 'login', actor_id: user.id, object_type: 'user', object_id: user.id })]);
  });

  test('when the audit row cannot be written, no session is created either (one transaction)', async () => {
    const user = await createUser(stack, ['funder']);
    const before = await sessionCount(user.id);
    await stack.db.raw(`
      CREATE FUNCTION refuse_login_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.action = 'login' THEN RAISE EXCEPTION 'audit refused by test'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER refuse_login_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_login_audit();`);
    try {
      const res = await login(user.login, TEST_PASSWORD);
      expectProblem(res, 500, 'internal');
      expect(await sessionCount(user.id)).toBe(before);
    } finally {
      await stack.db.raw('DROP TRIGGER refuse_login_audit ON audit_log; DROP FUNCTION refuse_login_audit();');
    }
    expect((await login(user.login, TEST_PASSWORD)).status).toBe(200);
    expect(await sessionCount(user.id)).toBe(before + 1);
  });
});

describe('the bearer token on GET /me', () => {
  test('when there is no Authorization header, it answers 401 problem+json', async () => {
    const res = await me();
    expectProblem(res, 401, 'unauthorized');
    expect(res.body.detail).toMatch(/bearer token is required/);
  });

  test.each([
    ['a token that is too short', 'Bearer abc'],
    ['another scheme', `Basic ${Buffer.from('admin:pw').toString('base64')}`],
    ['a token with forbidden characters', `Bearer ${'a'.repeat(30)}!`],
    ['no token after the scheme', 'Bearer '],
  ])('when the header carries %s, it answers 401 problem+json', async (_what, header) => {
    const res = await request(stack.app).get('/api/v1/me').set('Authorization', header);
    expectProblem(res, 401, 'unauthorized');
    expect(res.body.detail).toMatch(/must be "Bearer <token>"/);
  });

  test('when the token is well formed but was never issued, it answers 401', async () => {
    const res = await me(crypto.randomBytes(32).toString('base64url'));
    expectProblem(res, 401, 'unauthorized');
  });

  test('when the session has expired, the token is refused with 401', async () => {
    const user = await createUser(stack, ['officer']);
    expect((await me(user.token)).status).toBe(200);
    const updated = await stack.db('sessions').where({ token_hash: sha256(user.token) }).update({ expires_at: new Date(Date.now() - 60_000) });
    expect(updated).toBe(1);
    expectProblem(await me(user.token), 401, 'unauthorized');
  });

  test('after logout answers 204, the token is revoked in the database and refused with 401', async () => {
    const user = await createUser(stack, ['officer']);
    const other = (await login(user.login, TEST_PASSWORD)).body.token as string;
    const res = await request(stack.app).post('/api/v1/auth/logout').set('Authorization', `Bearer ${user.token}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    const row = await stack.db('sessions').where({ token_hash: sha256(user.token) }).first();
    expect(row.revoked_at).toBeInstanceOf(Date);
    expectProblem(await me(user.token), 401, 'unauthorized');
    // Only that session ends: the user's other token still works.
    expect((await me(other)).status).toBe(200);
    expect(await stack.db('audit_log').where({ action: 'logout', actor_id: user.id })).toHaveLength(1);
  });
});

describe('a disabled account', () => {
  test('when an admin disables a user, their tokens stop working and they cannot sign in again', async () => {
    const user = await createUser(stack, ['organiser']);
    expect((await me(user.token)).status).toBe(200);
    const res = await request(stack.app).patch(`/api/v1/users/${user.id}`).set('Authorization', `Bearer ${admin.token}`).send({ disabled: true });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: user.id, disabled: true });
    const row = await stack.db('users').where({ id: user.id }).first();
    expect(row.disabled).toBe(true);
    expect(await stack.db('sessions').where({ user_id: user.id }).whereNull('revoked_at')).toHaveLength(0);

    expectProblem(await me(user.token), 401, 'unauthorized');
    const before = await sessionCount(user.id);
    const again = await login(user.login, TEST_PASSWORD);
    expectProblem(again, 401, 'unauthorized');
    expect(again.body).not.toHaveProperty('token');
    expect(await sessionCount(user.id)).toBe(before);
  });

  test('when a user is disabled directly in the database, their live token is refused at once', async () => {
    const user = await createUser(stack, ['organiser']);
    await stack.db('users').where({ id: user.id }).update({ disabled: true });
    expect(await stack.db('sessions').where({ user_id: user.id }).whereNull('revoked_at')).toHaveLength(1);
    expectProblem(await me(user.token), 401, 'unauthorized');
  });
});

describe('locking after failed sign-ins', () => {
  test(`after ${MAX_FAILURES} wrong passwords, even the right password gets 429 with Retry-After and users.locked_until is set`, async () => {
    const user = await createUser(stack, ['reviewer']);
    for (let i = 1; i < MAX_FAILURES; i++) {
      expectProblem(await login(user.login, 'wrong-password'), 401, 'unauthorized');
      expect((await stack.db('users').where({ id: user.id }).first()).locked_until).toBeNull();
    }
    const started = Date.now();
    expectProblem(await login(user.login, 'wrong-password'), 401, 'unauthorized');
    const locked = await stack.db('users').where({ id: user.id }).first();
    expect(locked.locked_until).toBeInstanceOf(Date);
    expect(locked.locked_until.getTime()).toBeGreaterThanOrEqual(started + LOCK_MS - 1000);
    expect(locked.locked_until.getTime()).toBeLessThanOrEqual(Date.now() + LOCK_MS + 1000);

    const before = await sessionCount(user.id);
    const res = await login(user.login, TEST_PASSWORD);
    expectProblem(res, 429, 'too-many-requests');
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(LOCK_MS / 1000);
    expect(await sessionCount(user.id)).toBe(before);
  });

  test('when the lock has run out, the right password signs in and clears the failure count', async () => {
    const user = await createUser(stack, ['reviewer']);
    for (let i = 0; i < MAX_FAILURES; i++) await login(user.login, 'wrong-password');
    expect((await login(user.login, TEST_PASSWORD)).status).toBe(429);
    await stack.db('users').where({ id: user.id }).update({ locked_until: new Date(Date.now() - 1000), failed_logins: 2 });
    const res = await login(user.login, TEST_PASSWORD);
    expect(res.status).toBe(200);
    const row = await stack.db('users').where({ id: user.id }).first();
    expect(row).toMatchObject({ failed_logins: 0, locked_until: null });
  });
});

describe('changing your own password', () => {
  test('when the current password is right, other sessions are revoked, this one lives on, and only the new password signs in', async () => {
    const user = await createUser(stack, ['evaluator']);
    const other = (await login(user.login, TEST_PASSWORD)).body.token as string;
    const newPassword = 'a-brand-new-password-42';
    const res = await request(stack.app)
      .post('/api/v1/me/password')
      .set('Authorization', `Bearer ${user.token}`)
      .send({ currentPassword: TEST_PASSWORD, newPassword });
    expect(res.status).toBe(204);

    const otherRow = await stack.db('sessions').where({ token_hash: sha256(other) }).first();
    expect(otherRow.revoked_at).toBeInstanceOf(Date);
    expect((await stack.db('sessions').where({ token_hash: sha256(user.token) }).first()).revoked_at).toBeNull();
    expectProblem(await me(other), 401, 'unauthorized');
    expect((await me(user.token)).status).toBe(200);

    expectProblem(await login(user.login, TEST_PASSWORD), 401, 'unauthorized');
    expect((await login(user.login, newPassword)).status).toBe(200);
  });

  test('when the current password is wrong, it answers 422 and changes nothing', async () => {
    const user = await createUser(stack, ['evaluator']);
    const other = (await login(user.login, TEST_PASSWORD)).body.token as string;
    const hashBefore = (await stack.db('users').where({ id: user.id }).first()).password_hash;
    const res = await request(stack.app)
      .post('/api/v1/me/password')
      .set('Authorization', `Bearer ${user.token}`)
      .send({ currentPassword: 'not-my-password', newPassword: 'a-brand-new-password-42' });
    expectProblem(res, 422, 'business-rule');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: '/body/currentPassword', rule: 'current-password' })]);
    expect((await stack.db('users').where({ id: user.id }).first()).password_hash).toBe(hashBefore);
    expect((await me(other)).status).toBe(200);
  });
});
