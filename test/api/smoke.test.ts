import request from 'supertest';
import { startStack, createUser, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
});

test('when an admin signs in, GET /me names them and their roles', async () => {
  const admin = await createUser(stack, ['admin']);
  const res = await request(stack.app).get('/api/v1/me').set('Authorization', `Bearer ${admin.token}`);
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ login: admin.login, roles: ['admin'] });
});

test('readyz reports PostgreSQL, migrations and Temporal ready', async () => {
  const res = await request(stack.app).get('/readyz');
  expect(res.body.checks).toEqual({ postgres: { ok: true }, migrations: { ok: true }, temporal: { ok: true } });
  expect(res.status).toBe(200);
});
