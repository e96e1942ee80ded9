import crypto from 'node:crypto';
import request from 'supertest';
import { createApp } from '../../api/app';
import { signIn } from '../../api/auth/service';
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
// The throttle's rows are keyed by a hash of "<name>:" and the login (lower case) and the caller's address; supertest
// calls from the loopback, written one of these ways.
const LOOPBACK = ['::ffff:127.0.0.1', '127.0.0.1', '::1'];
const throttleKeys = (name: string, key: (ip: string) => string) => LOOPBACK.map((ip) => `${name}:${crypto.createHash('sha256').update(key(ip)).digest('base64url')}`);
const throttleRow = async (name: string, key: (ip: string) => string) =>
  (await stack.db('sign_in_throttle').whereIn('key', throttleKeys(name, key)).first()) as { key: string; points: number; expire: string } | undefined;
const failuresOf = async (loginName: string) => (await throttleRow('sign-in', (ip) => `${loginName.toLowerCase()}|${ip}`))?.points ?? 0;
/** The window of a key ends now, as if loginLockMs had passed. */
const endWindow = async (name: string, key: (ip: string) => string) => {
  await stack.db('sign_in_throttle').whereIn('key', throttleKeys(name, key)).update({ expire: Date.now() - 1 });
};
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
    expect(res.body.detail).toBe('登录名或密码错误。');
    expect(res.body).not.toHaveProperty('token');
    expect(await sessionCount(user.id)).toBe(before);
    expect(await failuresOf(user.login)).toBe(1);
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
    expect(res.body.detail).toMatch(/需要 Bearer 令牌/);
  });

  test.each([
    ['a token that is too short', 'Bearer abc'],
    ['another scheme', `Basic ${Buffer.from('admin:pw').toString('base64')}`],
    ['a token with forbidden characters', `Bearer ${'a'.repeat(30)}!`],
    ['no token after the scheme', 'Bearer '],
  ])('when the header carries %s, it answers 401 problem+json', async (_what, header) => {
    const res = await request(stack.app).get('/api/v1/me').set('Authorization', header);
    expectProblem(res, 401, 'unauthorized');
    expect(res.body.detail).toMatch(/必须是 "Bearer <token>"/);
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

  test('when a disabled account signs in with the right password, it gets exactly the 401 of a wrong password, and the attempt counts as a failure', async () => {
    const user = await createUser(stack, ['organiser']);
    await stack.db('users').where({ id: user.id }).update({ disabled: true });
    const before = await sessionCount(user.id);
    const right = await login(user.login, TEST_PASSWORD);
    const wrong = await login(user.login, 'wrong-password');
    expectProblem(right, 401, 'unauthorized');
    const strip = (b: Record<string, unknown>) => ({ type: b.type, title: b.title, status: b.status, detail: b.detail });
    expect(strip(right.body)).toEqual(strip(wrong.body));
    expect(right.body.detail).toBe('登录名或密码错误。');
    expect(await sessionCount(user.id)).toBe(before);
    expect(await failuresOf(user.login)).toBe(2);
  });

  test('when a user is disabled directly in the database, their live token is refused at once', async () => {
    const user = await createUser(stack, ['organiser']);
    await stack.db('users').where({ id: user.id }).update({ disabled: true });
    expect(await stack.db('sessions').where({ user_id: user.id }).whereNull('revoked_at')).toHaveLength(1);
    expectProblem(await me(user.token), 401, 'unauthorized');
  });
});

describe('throttling sign-ins', () => {
  test(`after ${MAX_FAILURES} wrong passwords from one address, even the right password gets 429 with Retry-After, and the window's count is in the database`, async () => {
    const user = await createUser(stack, ['reviewer']);
    for (let i = 1; i <= MAX_FAILURES; i++) {
      expectProblem(await login(user.login, 'wrong-password'), 401, 'unauthorized');
      expect(await failuresOf(user.login)).toBe(i);
    }
    const before = await sessionCount(user.id);
    const res = await login(user.login, TEST_PASSWORD);
    expectProblem(res, 429, 'too-many-requests');
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(LOCK_MS / 1000);
    expect(await sessionCount(user.id)).toBe(before);
    const row = await throttleRow('sign-in', (ip) => `${user.login.toLowerCase()}|${ip}`);
    expect(Number(row!.expire)).toBeGreaterThan(Date.now());
    expect(Number(row!.expire)).toBeLessThanOrEqual(Date.now() + LOCK_MS + 1000);
  });

  test('when the window has passed, the right password signs in and clears the count', async () => {
    const user = await createUser(stack, ['reviewer']);
    for (let i = 0; i < MAX_FAILURES; i++) await login(user.login, 'wrong-password');
    expect((await login(user.login, TEST_PASSWORD)).status).toBe(429);
    await endWindow('sign-in', (ip) => `${user.login.toLowerCase()}|${ip}`);
    const res = await login(user.login, TEST_PASSWORD);
    expect(res.status).toBe(200);
    expect(await throttleRow('sign-in', (ip) => `${user.login.toLowerCase()}|${ip}`)).toBeUndefined();
  });

  test('in a sign-in race (40 parallel wrong passwords, then the right one), the surplus gets 429 and the account does not sign in until the window passes', async () => {
    const user = await createUser(stack, ['admin']);
    const before = await sessionCount(user.id);
    const answers = await Promise.all(Array.from({ length: 40 }, () => login(user.login, 'wrong-password')));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(MAX_FAILURES);
    expect(statuses.filter((s) => s === 429)).toHaveLength(40 - MAX_FAILURES);
    expect(await failuresOf(user.login)).toBe(40);

    const right = await login(user.login, TEST_PASSWORD);
    expectProblem(right, 429, 'too-many-requests');
    expect(await sessionCount(user.id)).toBe(before);

    await endWindow('sign-in', (ip) => `${user.login.toLowerCase()}|${ip}`);
    expect((await login(user.login, TEST_PASSWORD)).status).toBe(200);
    expect(await sessionCount(user.id)).toBe(before + 1);
  });

  test('an unknown login gets the same answers as a real account, wrong password by wrong password, and then the same 429', async () => {
    const user = await createUser(stack, ['officer']);
    const unknown = `nobody-${crypto.randomBytes(4).toString('hex')}`;
    const strip = (r: request.Response) => ({ status: r.status, type: r.body.type, title: r.body.title, detail: r.body.detail?.replace(/\d+ 秒/, 'N 秒') });
    for (let i = 0; i <= MAX_FAILURES; i++) {
      const [real, none] = [await login(user.login, 'wrong-password'), await login(unknown, 'wrong-password')];
      expect(strip(none)).toEqual(strip(real));
      expect(none.status).toBe(i < MAX_FAILURES ? 401 : 429);
      expect(Boolean(none.headers['retry-after'])).toBe(Boolean(real.headers['retry-after']));
    }
    expect(await failuresOf(unknown)).toBe(MAX_FAILURES + 1);
    expect(await failuresOf(user.login)).toBe(MAX_FAILURES + 1);
    expect(await stack.db('users').whereRaw('lower(login) = lower(?)', [unknown]).first()).toBeUndefined();
  });

  test("when one address spends an admin's sign-ins, the admin still signs in from another address, and another account from the same one", async () => {
    const victim = await createUser(stack, ['admin']);
    const other = await createUser(stack, ['admin']);
    for (let i = 0; i <= MAX_FAILURES; i++) await login(victim.login, 'wrong-password');
    expect((await login(victim.login, TEST_PASSWORD)).status).toBe(429);
    const before = await sessionCount(victim.id);
    // supertest only calls from the loopback: the service is called as a request from elsewhere would call it.
    const elsewhere = await signIn(stack.deps, '203.0.113.9', 'from-elsewhere', victim.login, TEST_PASSWORD);
    expect(elsewhere.user.id).toBe(victim.id);
    expect(await sessionCount(victim.id)).toBe(before + 1);
    expect((await login(other.login, TEST_PASSWORD)).status).toBe(200);
    expect(await failuresOf(other.login)).toBe(0);
  });

  test('when one address fails on more logins than its own limit allows, every further sign-in from it gets 429, a real account with the right password too', async () => {
    const user = await createUser(stack, ['funder']);
    const address = (ip: string) => ip;
    await stack.db('sign_in_throttle').whereIn('key', throttleKeys('sign-in-address', address)).delete();
    const saved = stack.deps.config.loginMaxFailuresPerAddress;
    stack.deps.config.loginMaxFailuresPerAddress = 3;
    try {
      for (let i = 0; i < 3; i++) expectProblem(await login(`spray-${i}-${crypto.randomBytes(3).toString('hex')}`, 'wrong-password'), 401, 'unauthorized');
      expect((await throttleRow('sign-in-address', address))?.points).toBe(3);
      const before = await sessionCount(user.id);
      expectProblem(await login(user.login, TEST_PASSWORD), 429, 'too-many-requests');
      expect(await sessionCount(user.id)).toBe(before);
    } finally {
      stack.deps.config.loginMaxFailuresPerAddress = saved;
      await stack.db('sign_in_throttle').whereIn('key', throttleKeys('sign-in-address', address)).delete();
    }
  });

  test('behind a proxy the API trusts (FUHUA_TRUST_PROXY), each client is counted by its forwarded address', async () => {
    const proxied = createApp({ ...stack.deps, config: { ...stack.deps.config, trustProxy: 'loopback' } });
    const victim = await createUser(stack, ['funder']);
    const from = (ip: string, password: string) => request(proxied).post('/api/v1/auth/login').set('X-Forwarded-For', ip).send({ login: victim.login, password });
    for (let i = 0; i <= MAX_FAILURES; i++) await from('203.0.113.7', 'wrong-password');
    expectProblem(await from('203.0.113.7', TEST_PASSWORD), 429, 'too-many-requests');
    expect((await from('203.0.113.8', TEST_PASSWORD)).status).toBe(200);
  });

  test('when no proxy is trusted (the default), a forged X-Forwarded-For does not escape the count', async () => {
    const victim = await createUser(stack, ['funder']);
    const from = (ip: string, password: string) => login(victim.login, password).set('X-Forwarded-For', ip);
    for (let i = 0; i <= MAX_FAILURES; i++) await from(`198.51.100.${i}`, 'wrong-password');
    expectProblem(await from('198.51.100.99', TEST_PASSWORD), 429, 'too-many-requests');
  });

  test('a successful sign-in gives its attempt back to the address', async () => {
    const user = await createUser(stack, ['funder']);
    const address = (ip: string) => ip;
    const points = async () => (await throttleRow('sign-in-address', address))?.points ?? 0;
    const before = await points();
    expect((await login(user.login, TEST_PASSWORD)).status).toBe(200);
    expect(await points()).toBe(before);
    await login(user.login, 'wrong-password');
    expect(await points()).toBe(before + 1);
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

  test(`after ${MAX_FAILURES} wrong current passwords from one address, even the right one gets 429 and the password stays as it was until the window passes`, async () => {
    const user = await createUser(stack, ['evaluator']);
    const change = (currentPassword: string) =>
      request(stack.app).post('/api/v1/me/password').set('Authorization', `Bearer ${user.token}`).send({ currentPassword, newPassword: 'a-brand-new-password-42' });
    const hashBefore = (await stack.db('users').where({ id: user.id }).first()).password_hash;
    for (let i = 0; i < MAX_FAILURES; i++) expectProblem(await change('not-my-password'), 422, 'business-rule');
    const res = await change(TEST_PASSWORD);
    expectProblem(res, 429, 'too-many-requests');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect((await stack.db('users').where({ id: user.id }).first()).password_hash).toBe(hashBefore);

    await endWindow('password', (ip) => `${user.id}|${ip}`);
    expect((await change(TEST_PASSWORD)).status).toBe(204);
    expect((await stack.db('users').where({ id: user.id }).first()).password_hash).not.toBe(hashBefore);
    expect(await throttleRow('password', (ip) => `${user.id}|${ip}`)).toBeUndefined();
  });
});
