import crypto from 'node:crypto';
import { as } from '../helpers/api';
import { startStack, createUser, creditCode, type Stack, type TestUser } from '../helpers/stack';

let stack: Stack;
let admin: TestUser;
let seed = 700_000 + Math.floor(Math.random() * 100_000);
beforeAll(async () => {
  stack = await startStack({ worker: false });
  admin = await createUser(stack, ['admin']);
});
afterAll(async () => {
  await stack.close();
});

const org = () => ({ name: `Linping social work ${seed}`, kind: 'social_work_organisation', grade: '4A', creditCode: creditCode(seed++), staffCount: 6, certifiedSocialWorkerCount: 4, volunteerCount: 30 });

describe('organisations', () => {
  test('when an admin registers an organisation, it answers 201 with it and the row and its audit entry are written', async () => {
    const input = org();
    const res = await as(stack, admin).post('/api/v1/organisations', input);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ ...input, regionId: null, contact: null });
    expect(await stack.db('organisations').where({ id: res.body.id }).first()).toMatchObject({ credit_code: input.creditCode, grade: '4A', staff_count: 6 });
    expect(await stack.db('audit_log').where({ object_id: res.body.id, action: 'create' })).toHaveLength(1);
  });

  test('when the credit code is registered already, it answers 409 and writes nothing', async () => {
    const input = org();
    expect((await as(stack, admin).post('/api/v1/organisations', input)).status).toBe(201);
    const res = await as(stack, admin).post('/api/v1/organisations', { ...input, name: 'another name' });
    expect(res.status).toBe(409);
    expect(await stack.db('organisations').where({ credit_code: input.creditCode })).toHaveLength(1);
  });

  test('when the check character of the credit code is wrong, it answers 400 naming the field and writes nothing', async () => {
    const input = org();
    const last = input.creditCode.slice(-1);
    const wrong = input.creditCode.slice(0, -1) + (last === '0' ? '1' : '0');
    const res = await as(stack, admin).post('/api/v1/organisations', { ...input, creditCode: wrong });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: '/body/creditCode', rule: 'credit-code-checksum' })]);
    expect(await stack.db('organisations').where({ credit_code: wrong })).toHaveLength(0);
  });

  test('when an organisation is changed, the answer and the row carry the new grade, the audit has before and after, and an unknown region is a 422', async () => {
    const created = (await as(stack, admin).post('/api/v1/organisations', org())).body;
    const res = await as(stack, admin).patch(`/api/v1/organisations/${created.id}`, { grade: '5A', contact: '0571-1234\t内线 2' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: created.id, grade: '5A', contact: '0571-1234\t内线 2' });
    const audit = await stack.db('audit_log').where({ object_id: created.id, action: 'update' }).first();
    expect(audit.before.grade).toBe('4A');
    expect(audit.after.grade).toBe('5A');
    const bad = await as(stack, admin).patch(`/api/v1/organisations/${created.id}`, { regionId: crypto.randomUUID() });
    expect(bad.status).toBe(422);
    expect((await stack.db('organisations').where({ id: created.id }).first()).region_id).toBeNull();
  });

  test('when contact text carries a NUL, it answers 400 and the row is unchanged', async () => {
    const created = (await as(stack, admin).post('/api/v1/organisations', org())).body;
    const res = await as(stack, admin).patch(`/api/v1/organisations/${created.id}`, { contact: 'a\u0000b' });
    expect(res.status).toBe(400);
    expect((await stack.db('organisations').where({ id: created.id }).first()).contact).toBeNull();
  });

  test('any signed-in user lists and reads organisations, filtered by grade; an unknown id answers 404', async () => {
    const created = (await as(stack, admin).post('/api/v1/organisations', { ...org(), grade: '2A' })).body;
    const funder = await createUser(stack, ['funder']);
    const list = await as(stack, funder).get(`/api/v1/organisations?grade=2A&q=${encodeURIComponent(created.name)}`);
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ items: [created], nextCursor: null });
    expect((await as(stack, funder).get(`/api/v1/organisations/${created.id}`)).body).toEqual(created);
    expect((await as(stack, funder).get(`/api/v1/organisations/${crypto.randomUUID()}`)).status).toBe(404);
  });
});
