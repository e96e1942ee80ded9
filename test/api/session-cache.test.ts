import request from 'supertest';
import { startStack, createUser, type Stack } from '../helpers/stack';
import { as } from '../helpers/api';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ worker: false, config: { sessionCacheMs: 60_000 } });
});
afterAll(async () => {
  await stack.close();
});

const me = (token: string) => request(stack.app).get('/api/v1/me').set('Authorization', `Bearer ${token}`);

test('with the session cache on, repeated requests with one token read the session from the database once', async () => {
  const user = await createUser(stack, ['officer']);
  await me(user.token).expect(200);
  // Revoked behind the API's back: this process keeps honouring the cached session until it expires.
  await stack.db('sessions').where({ user_id: user.id }).update({ revoked_at: new Date() });
  await me(user.token).expect(200);
});

test('with the session cache on, logging out refuses the token at once', async () => {
  const user = await createUser(stack, ['officer']);
  await me(user.token).expect(200);
  await as(stack, user).post('/api/v1/auth/logout').expect(204);
  const res = await me(user.token);
  expect(res.status).toBe(401);
});

test('with the session cache on, disabling an account or changing its roles takes effect on the next request', async () => {
  const admin = await createUser(stack, ['admin']);
  const user = await createUser(stack, ['officer']);
  await me(user.token).expect(200);
  await as(stack, admin).patch(`/api/v1/users/${user.id}`, { roles: ['reviewer'] }).expect(200);
  expect((await me(user.token)).body.roles).toEqual(['reviewer']);
  await as(stack, admin).patch(`/api/v1/users/${user.id}`, { disabled: true }).expect(200);
  expect((await me(user.token)).status).toBe(401);
  expect(await stack.db('sessions').where({ user_id: user.id }).whereNull('revoked_at').count({ n: '*' }).first()).toEqual({ n: '0' });
});
