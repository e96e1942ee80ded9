import crypto from 'node:crypto';
import { as } from '../helpers/api';
import { startStack, createUser, creditCode, type Stack, type TestUser } from '../helpers/stack';

let stack: Stack;
let admin: TestUser;
beforeAll(async () => {
  stack = await startStack({ worker: false });
  admin = await createUser(stack, ['admin']);
});
afterAll(async () => {
  await stack.close();
});

const newLogin = () => `u-${crypto.randomBytes(4).toString('hex')}`;
const body = (login: string) => ({ login, displayName: '王社工', password: 'a-long-enough-password', roles: ['applicant'] });

describe('accounts', () => {
  test('when an admin creates an account, it answers 201 with the account and the row and its audit entry are written', async () => {
    const login = newLogin();
    const res = await as(stack, admin).post('/api/v1/users', body(login));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ login, displayName: '王社工', roles: ['applicant'], organisationId: null, disabled: false });
    expect(res.body).not.toHaveProperty('passwordHash');
    const row = await stack.db('users').where({ id: res.body.id }).first();
    expect(row).toMatchObject({ login, roles: ['applicant'] });
    expect(row.password_hash).toMatch(/^scrypt\$/);
    expect(await stack.db('audit_log').where({ object_id: res.body.id, action: 'create' })).toHaveLength(1);
  });

  test('when the login is taken, whatever its case, it answers 409 and writes nothing', async () => {
    const login = newLogin();
    expect((await as(stack, admin).post('/api/v1/users', body(login))).status).toBe(201);
    const before = await stack.db('audit_log').count<{ count: string }[]>('* as count');
    const res = await as(stack, admin).post('/api/v1/users', body(login.toUpperCase()));
    expect(res.status).toBe(409);
    expect(await stack.db('users').whereRaw('lower(login) = ?', [login])).toHaveLength(1);
    expect(await stack.db('audit_log').count<{ count: string }[]>('* as count')).toEqual(before);
  });

  test('when the organisation named does not exist, it answers 422 naming the field and writes nothing', async () => {
    const login = newLogin();
    const res = await as(stack, admin).post('/api/v1/users', { ...body(login), organisationId: crypto.randomUUID() });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: '/body/organisationId', rule: 'exists' })]);
    expect(await stack.db('users').where({ login })).toHaveLength(0);
  });

  test('when a create is retried with the same Idempotency-Key, the first answer comes back and one account exists', async () => {
    const login = newLogin();
    const key = crypto.randomUUID();
    const first = await as(stack, admin).post('/api/v1/users', body(login), { 'Idempotency-Key': key });
    const again = await as(stack, admin).post('/api/v1/users', body(login), { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(await stack.db('users').where({ login })).toHaveLength(1);
  });

  test('when an admin sets a new password, every session of the account is revoked and the change is audited', async () => {
    const user = await createUser(stack, ['officer']);
    const res = await as(stack, admin).patch(`/api/v1/users/${user.id}`, { password: 'another-long-password' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: user.id });
    expect(await stack.db('sessions').where({ user_id: user.id }).whereNull('revoked_at')).toHaveLength(0);
    expect(await stack.db('audit_log').where({ object_id: user.id, action: 'update' })).toHaveLength(1);
    expect((await as(stack, user).get('/api/v1/me')).status).toBe(401);
  });

  test('when an account is listed by role and text, only matching accounts come back, and an unknown id answers 404', async () => {
    const login = newLogin();
    const created = (await as(stack, admin).post('/api/v1/users', { ...body(login), roles: ['evaluator'] })).body;
    const list = await as(stack, admin).get(`/api/v1/users?role=evaluator&q=${login}`);
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ items: [created], nextCursor: null });
    expect((await as(stack, admin).get(`/api/v1/users/${created.id}`)).body).toEqual(created);
    expect((await as(stack, admin).get(`/api/v1/users/${crypto.randomUUID()}`)).status).toBe(404);
  });

  test('when someone other than an admin lists accounts, it answers 403', async () => {
    const officer = await createUser(stack, ['officer']);
    expect((await as(stack, officer).get('/api/v1/users')).status).toBe(403);
  });
});

describe('the people directory for assigning work', () => {
  test('when an officer asks for supervisors, it answers enabled ones with their organisation and no login, and an applicant is refused', async () => {
    const [org] = await stack.db('organisations').insert({ name: '阳光社工服务中心', kind: 'social_work_organisation', credit_code: creditCode(900000 + Math.floor(Math.random() * 90000)) }).returning('id');
    const named = `督导-${crypto.randomBytes(3).toString('hex')}`;
    const sup = await createUser(stack, ['supervisor'], { organisationId: org.id });
    await stack.db('users').where({ id: sup.id }).update({ display_name: named });
    const off = await createUser(stack, ['supervisor']);
    await stack.db('users').where({ id: off.id }).update({ display_name: `${named}-停用`, disabled: true });
    const officer = await createUser(stack, ['officer']);
    const res = await as(stack, officer).get(`/api/v1/people?role=supervisor&q=${encodeURIComponent(named)}`);
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([{ id: sup.id, displayName: named, roles: ['supervisor'], organisation: { id: org.id, name: '阳光社工服务中心' } }]);
    const applicant = await createUser(stack, ['applicant']);
    expect((await as(stack, applicant).get('/api/v1/people?role=supervisor')).status).toBe(403);
  });

  test('when an officer asks for one person by id, it answers that person wherever they are in the list, and none for an id of another role or a disabled account', async () => {
    const first = await createUser(stack, ['evaluator']);
    // More evaluators than a page after them: the first is not on the first page, but asked for by id it is found.
    const tag = crypto.randomBytes(3).toString('hex');
    await stack.db('users').insert(Array.from({ length: 51 }, (_, i) => ({ login: `evaluator-${tag}-${i}`, display_name: `评估员${i}`, password_hash: 'not-for-signing-in', roles: ['evaluator'] })));
    const officer = await createUser(stack, ['officer']);
    const page = await as(stack, officer).get('/api/v1/people?role=evaluator&limit=50');
    expect(page.status).toBe(200);
    expect(page.body.items.map((p: { id: string }) => p.id)).not.toContain(first.id);
    const byId = await as(stack, officer).get(`/api/v1/people?role=evaluator&id=${first.id}`);
    expect(byId.status).toBe(200);
    expect(byId.body.items.map((p: { id: string }) => p.id)).toEqual([first.id]);
    expect((await as(stack, officer).get(`/api/v1/people?role=supervisor&id=${first.id}`)).body.items).toEqual([]);
    await stack.db('users').where({ id: first.id }).update({ disabled: true });
    expect((await as(stack, officer).get(`/api/v1/people?role=evaluator&id=${first.id}`)).body.items).toEqual([]);
    const bad = await as(stack, officer).get('/api/v1/people?role=evaluator&id=not-a-uuid');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.errors)).toContain('id');
  });

  test('when the role is missing or unknown, it answers 400 naming the role', async () => {
    const officer = await createUser(stack, ['officer']);
    const res = await as(stack, officer).get('/api/v1/people?role=wizard');
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.errors)).toContain('role');
    expect((await as(stack, officer).get('/api/v1/people')).status).toBe(400);
  });
});
