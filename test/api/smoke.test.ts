import request from 'supertest';
import { createApp } from '../../api/app';
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

test('when Temporal is not configured, readyz answers 503 in the same declared shape, naming the failed check', async () => {
  const app = createApp({ ...stack.deps, temporal: null });
  const res = await request(app).get('/readyz');
  expect(res.status).toBe(503);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toEqual({ status: 'not ready', checks: { postgres: { ok: true }, migrations: { ok: true }, temporal: { ok: false, detail: 'no Temporal client configured' } } });
  const doc = (await request(app).get('/api/v1/openapi.json')).body;
  expect(doc.paths['/readyz'].get.responses['503'].content['application/json'].schema).toEqual(doc.paths['/readyz'].get.responses['200'].content['application/json'].schema);
});
