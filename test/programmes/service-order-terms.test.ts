// Issue 11: a programme's service-order terms (rules.serviceOrders) are part of its rules schema: given through the
// API they are checked, stored with their defaults filled in, and the orders of its projects run on them.
import request from 'supertest';
import { startStack, createUser, type Stack, type TestUser } from '../helpers/stack';
import { as } from '../helpers/api';
import { expectStatus } from '../helpers/lifecycle';
import { seedProgramme, testRules, type Seeded } from '../helpers/projects';
import { seedOrderWorld } from '../service-orders/fixtures';
import { DEFAULT_SERVICE_ORDER_RULES } from '../../workflows/rules/programme-rules';

let stack: Stack;
let officer: TestUser;
let s: Seeded;

beforeAll(async () => {
  stack = await startStack();
  officer = await createUser(stack, ['officer']);
  s = await seedProgramme(stack);
});
afterAll(async () => {
  await stack.close();
});

const count = async (table: string) => Number((await stack.db(table).count({ n: '*' }).first())!.n);
const createProgramme = (serviceOrders: unknown) =>
  request(stack.app).post('/api/v1/programmes').set('Authorization', `Bearer ${officer.token}`).send({ name: 'Orders call', regionId: s.cityId, rules: { ...testRules(), serviceOrders } });

test('the default rules carry the service-order terms with their defaults', async () => {
  const res = expectStatus(await as(stack, officer).get('/api/v1/programme-rules/defaults'), 200);
  expect(res.body.serviceOrders).toEqual({ acceptWithin: 'PT2H', maxFailedDispatches: 3, ratingWindow: 'P3D', pointsPerHour: 10 });
});

test('when a programme is created with service-order terms, the terms left out take their defaults and an order of its project runs on them', async () => {
  const created = expectStatus(await createProgramme({ acceptWithin: 'PT5H', maxFailedDispatches: 1 }), 201).body;
  const terms = { ...DEFAULT_SERVICE_ORDER_RULES, acceptWithin: 'PT5H', maxFailedDispatches: 1 };
  expect(created.rules.serviceOrders).toEqual(terms);
  expect((await stack.db('programmes').where({ id: created.id }).first('rules')).rules.serviceOrders).toEqual(terms);

  const w = await seedOrderWorld(stack, { seeded: { ...s, programmeId: created.id, rules: created.rules } });
  const soon = (h: number) => new Date(Date.now() + h * 3600_000).toISOString();
  const order = expectStatus(
    await as(stack, w.resident).post('/api/v1/service-orders', { menuItemId: w.menuItemId, communityId: w.s.communityId, phone: '13812345678', address: '幸福小区3号楼2单元501', windowFrom: soon(24), windowTo: soon(26), need: '陪同就医' }),
    201,
  ).body;
  const [volunteer] = w.volunteers;
  expectStatus(await as(stack, w.dispatcher).post(`/api/v1/service-orders/${order.id}/dispatch`, { volunteerId: volunteer.id }), 200);

  // acceptWithin: the assignee has five hours, not the default two.
  const dispatch = await stack.db('service_order_dispatches').where({ order_id: order.id, attempt: 1 }).first('dispatched_at', 'due_at');
  expect(new Date(dispatch.due_at).getTime() - new Date(dispatch.dispatched_at).getTime()).toBeGreaterThanOrEqual(5 * 3600_000 - 60_000);
  expect(new Date(dispatch.due_at).getTime() - new Date(dispatch.dispatched_at).getTime()).toBeLessThanOrEqual(5 * 3600_000 + 60_000);

  // maxFailedDispatches 1: the first decline escalates (under the default 3 it would go back to dispatch).
  const declined = expectStatus(await as(stack, volunteer.user).post(`/api/v1/service-orders/${order.id}/decline`, { reason: '今天没空' }), 200).body;
  expect(declined).toMatchObject({ status: 'escalated', failedDispatches: 1 });
  expect((await stack.db('service_orders').where({ id: order.id }).first('status')).status).toBe('escalated');
});

test.each<[string, unknown, number, string, string]>([
  ['no dispatch before escalation', { maxFailedDispatches: 0 }, 400, '/body/rules/serviceOrders/maxFailedDispatches', 'minimum'],
  ['a window that is not a duration', { ratingWindow: 'three days' }, 400, '/body/rules/serviceOrders/ratingWindow', 'format'],
  ['fractional points', { pointsPerHour: 2.5 }, 400, '/body/rules/serviceOrders/pointsPerHour', 'type'],
  ['a term it does not know', { acceptWithin: 'PT1H', autoAccept: true }, 400, '/body/rules/serviceOrders/autoAccept', 'additionalProperties'],
  ['a zero acceptance window', { acceptWithin: 'PT0S' }, 422, '/body/rules/serviceOrders/acceptWithin', 'duration-zero'],
])('when the terms carry %s, the programme is refused naming the field and nothing is written', async (_what, serviceOrders, status, field, rule) => {
  const before = [await count('programmes'), await count('audit_log')];
  const res = await createProgramme(serviceOrders);
  expect(res.status).toBe(status);
  expect(res.body.errors).toEqual([expect.objectContaining({ field, rule })]);
  expect([await count('programmes'), await count('audit_log')]).toEqual(before);
});
