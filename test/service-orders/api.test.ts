import request from 'supertest';
import { startStack, createUser, type Stack } from '../helpers/stack';
import { as, eventually } from '../helpers/api';
import { expectStatus } from '../helpers/lifecycle';
import { seedOrderWorld, type OrderWorld } from './fixtures';

let stack: Stack;
let w: OrderWorld;

beforeAll(async () => {
  stack = await startStack();
  w = await seedOrderWorld(stack, { volunteers: 3, terms: { acceptWithin: 'PT1H', maxFailedDispatches: 3, ratingWindow: 'P3D', pointsPerHour: 10 } });
});
afterAll(async () => {
  await stack.close();
});

const soon = (h: number) => new Date(Date.now() + h * 3600_000).toISOString();
const orderBody = (extra: object = {}) => ({ menuItemId: w.menuItemId, communityId: w.s.communityId, phone: '13812345678', address: '幸福小区3号楼2单元501', windowFrom: soon(24), windowTo: soon(26), need: '陪同就医', ...extra });
const count = async (table: string) => Number((await stack.db(table).count({ n: '*' }).first())!.n);

test('when a resident orders from the menu through the API, the order answers 201 masked to them and the dispatcher finds a task in the inbox', async () => {
  const res = expectStatus(await as(stack, w.resident).post('/api/v1/service-orders', orderBody()), 201);

  expect(res.body).toMatchObject({ status: 'ordered', projectId: w.projectId, residentId: w.resident.id, phone: '138****5678', contactMasked: true });
  expect(await stack.db('service_orders').where({ id: res.body.id }).first('status', 'phone')).toEqual({ status: 'ordered', phone: '13812345678' });
  const inbox = expectStatus(await as(stack, w.dispatcher).get('/api/v1/me/tasks?status=open'), 200);
  expect(inbox.body.items.map((t: { kind: string }) => t.kind)).toContain('dispatch_order');
});

test('when an order names a community the menu item does not serve, it is refused with 422 and nothing is written', async () => {
  const other = await stack.db('regions').insert({ id: crypto.randomUUID(), parent_id: w.streetId, level: 'community', name: 'Elsewhere', path: `${w.streetPath}x/` }).returning('id');
  const before = await count('service_orders');

  const res = await as(stack, w.resident).post('/api/v1/service-orders', orderBody({ communityId: other[0].id }));

  expect(res.status).toBe(422);
  expect(res.headers['content-type']).toMatch(/problem\+json/);
  expect(res.body.errors[0]).toMatchObject({ field: '/body/communityId', rule: 'menu-community' });
  expect(await count('service_orders')).toBe(before);
});

test('when an order is placed, the resident is named by their account; a worker may name a resident, never another kind of account', async () => {
  const resident = await stack.db('users').where({ id: w.resident.id }).first('display_name');
  const own = expectStatus(await as(stack, w.resident).post('/api/v1/service-orders', orderBody()), 201).body;
  const forThem = expectStatus(await as(stack, w.dispatcher).post('/api/v1/service-orders', orderBody({ residentId: w.resident.id })), 201).body;
  const before = await count('service_orders');

  const notResident = await as(stack, w.dispatcher).post('/api/v1/service-orders', orderBody({ residentId: w.volunteers[0].user.id }));

  expect(await stack.db('service_orders').whereIn('id', [own.id, forThem.id]).pluck('resident_name')).toEqual([resident.display_name, resident.display_name]);
  expect(forThem).toMatchObject({ residentId: w.resident.id, orderedBy: w.dispatcher.id });
  expect(notResident.status).toBe(422);
  expect(notResident.body.errors[0]).toMatchObject({ field: '/body/residentId', rule: 'exists' });
  expect(await count('service_orders')).toBe(before);
});

test('when a rating of 6 or a poisoned need is sent, the request is refused with 400 and nothing changes', async () => {
  const before = await count('service_orders');
  const poisoned = await as(stack, w.resident).post('/api/v1/service-orders', orderBody({ need: 'a\u0000b' }));
  const order = expectStatus(await as(stack, w.resident).post('/api/v1/service-orders', orderBody()), 201).body;

  const six = await as(stack, w.resident).post(`/api/v1/service-orders/${order.id}/rating`, { rating: 6 });

  expect(poisoned.status).toBe(400);
  expect(six.status).toBe(400);
  expect(six.body.errors[0]).toMatchObject({ field: '/body/rating' });
  expect(await count('service_orders')).toBe(before + 1);
  expect(await stack.db('service_orders').where({ id: order.id }).first('status', 'rating')).toEqual({ status: 'ordered', rating: null });
});

test('when a step comes in the wrong status, the answer is 409 naming the current status and the order is unchanged', async () => {
  const order = expectStatus(await as(stack, w.resident).post('/api/v1/service-orders', orderBody()), 201).body;

  const early = await as(stack, w.resident).post(`/api/v1/service-orders/${order.id}/rating`, { rating: 5 });

  expect(early.status).toBe(409);
  expect(early.body).toMatchObject({ currentStage: 'ordered', move: 'rateOrder' });
  expect(await stack.db('service_order_events').where({ order_id: order.id }).pluck('kind')).toEqual(['orderPlaced']);
});

test('when the dispatcher asks for candidates, the skilled volunteer of the community with the lightest load comes first, and dispatch through the API reaches their inbox', async () => {
  const [busy, light, unskilled] = w.volunteers;
  await stack.db('volunteers').where({ id: unskilled.id }).update({ skills: ['cooking'] });
  const first = expectStatus(await as(stack, w.resident).post('/api/v1/service-orders', orderBody()), 201).body;
  expectStatus(await as(stack, w.dispatcher).post(`/api/v1/service-orders/${first.id}/dispatch`, { volunteerId: busy.id }), 200);
  const order = expectStatus(await as(stack, w.resident).post('/api/v1/service-orders', orderBody()), 201).body;

  const ranked = expectStatus(await as(stack, w.dispatcher).get(`/api/v1/service-orders/${order.id}/candidates`), 200).body.items;

  expect(ranked.map((c: { volunteerId: string }) => c.volunteerId)).toEqual([light.id, busy.id, unskilled.id]);
  expect(ranked[1]).toMatchObject({ openOrders: 1, skillMatch: 1, sameCommunity: true });
  const dispatched = expectStatus(await as(stack, w.dispatcher).post(`/api/v1/service-orders/${order.id}/dispatch`, { volunteerId: light.id }), 200);
  expect(dispatched.body).toMatchObject({ status: 'dispatched', phone: '13812345678', assignee: { kind: 'volunteer', volunteerId: light.id } });
  const inbox = expectStatus(await as(stack, light.user).get('/api/v1/me/tasks?status=open'), 200).body.items;
  // The volunteer is also an applicant of the project's organisation, whose inbox holds the project's own tasks.
  expect(inbox.map((t: { kind: string }) => t.kind).filter((k: string) => k.endsWith('_order'))).toEqual(['accept_order']);
  const refused = await as(stack, busy.user).post(`/api/v1/service-orders/${order.id}/accept`);
  expect(refused.status).toBe(403);
  expect((await stack.db('service_orders').where({ id: order.id }).first('status')).status).toBe('dispatched');
});

test('when a dispatcher lists orders two at a time, the pages cover every order of the region once, newest first', async () => {
  const all: string[] = [];
  let cursor: string | null = null;
  do {
    const page: request.Response = expectStatus(await as(stack, w.dispatcher).get(`/api/v1/service-orders?limit=2${cursor ? `&cursor=${cursor}` : ''}`), 200);
    all.push(...page.body.items.map((o: { id: string }) => o.id));
    cursor = page.body.nextCursor;
  } while (cursor);

  const inDb = await stack.db('service_orders').whereLike('region_path', `${w.s.communityPath}%`).orderBy([{ column: 'ordered_at', order: 'desc' }, { column: 'id', order: 'desc' }]).pluck('id');
  expect(all).toEqual(inDb);
});

test('when a resident self-registers with a mobile number, they can sign in; the fourth try for one number within the hour is throttled', async () => {
  const mobile = `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
  const body = { mobile, displayName: '陈先生', communityId: w.s.communityId, password: 'a-long-password-1' };

  const created = await request(stack.app).post('/api/v1/residents/register').send(body);
  const again = await request(stack.app).post('/api/v1/residents/register').send(body);
  await request(stack.app).post('/api/v1/residents/register').send(body);
  const throttled = await request(stack.app).post('/api/v1/residents/register').send(body);

  expect(created.status).toBe(201);
  expect(again.status).toBe(409);
  expect(throttled.status).toBe(429);
  expect(await stack.db('users').where({ login: mobile }).first('roles', 'region_id')).toEqual({ roles: ['resident'], region_id: w.s.communityId });
  const login = await request(stack.app).post('/api/v1/auth/login').send({ login: mobile, password: body.password });
  expect(login.status).toBe(200);
});

test('when a volunteer is read by another organisation\'s applicant it is missing; by the dispatcher over its region it is masked', async () => {
  const v = w.volunteers[0];
  const strangerOrg = await stack.db('organisations').where('id', '<>', w.s.organisationId).first('id');
  const stranger = await createUser(stack, ['applicant'], { organisationId: strangerOrg?.id ?? null });

  const own = expectStatus(await as(stack, w.applicant).get(`/api/v1/volunteers/${v.id}`), 200).body;
  const masked = expectStatus(await as(stack, w.dispatcher).get(`/api/v1/volunteers/${v.id}`), 200).body;
  const hidden = await as(stack, stranger).get(`/api/v1/volunteers/${v.id}`);

  expect(own).toMatchObject({ name: '志愿者0', phone: '13900001000', masked: false });
  expect(masked).toMatchObject({ name: '志***', phone: '139****1000', masked: true, timeBank: null });
  expect(hidden.status).toBe(404);
  expect(await stack.db('volunteers').where({ id: v.id }).first('name')).toEqual({ name: '志愿者0' });
});

test('when a full order runs through the API, the region dashboard and the project figures count it', async () => {
  const v = w.volunteers[1];
  const order = expectStatus(await as(stack, w.resident).post('/api/v1/service-orders', orderBody()), 201).body;
  expectStatus(await as(stack, w.dispatcher).post(`/api/v1/service-orders/${order.id}/dispatch`, { volunteerId: v.id }), 200);
  expectStatus(await as(stack, v.user).post(`/api/v1/service-orders/${order.id}/accept`), 200);
  expectStatus(await as(stack, v.user).post(`/api/v1/service-orders/${order.id}/check-in`, { at: new Date(Date.now() - 3600_000).toISOString() }), 200);
  expectStatus(await as(stack, v.user).post(`/api/v1/service-orders/${order.id}/check-out`, { peopleServed: 3 }), 200);
  const rated = expectStatus(await as(stack, w.resident).post(`/api/v1/service-orders/${order.id}/rating`, { rating: 5, comment: '谢谢' }), 200);

  expect(rated.body).toMatchObject({ status: 'rated', rating: 5, phone: '138****5678' });
  const dash = expectStatus(await as(stack, w.streetOfficer).get(`/api/v1/regions/${w.streetId}/service-dashboard`), 200).body;
  expect(dash.ordersByStatus.rated).toBe(1);
  expect(dash).toMatchObject({ rated: 1, completed: 1, ratingRate: 1 });
  expect(dash.timeBank.earnedPoints).toBeGreaterThanOrEqual(10);
  const figures = expectStatus(await as(stack, w.applicant).get(`/api/v1/projects/${w.projectId}/service-figures`), 200).body;
  expect(figures.satisfaction).toEqual({ ratings: 1, satisfied: 1, share: 1 });
  expect(figures.coverage).toMatchObject({ residents: 1, peopleServed: 3 });
  const ledger = await eventually(async () => expectStatus(await as(stack, v.user).get('/api/v1/me/time-bank'), 200).body);
  expect(ledger.history.items[0]).toMatchObject({ cause: 'service_order', orderId: order.id, points: 10 });
  expect(await stack.db('time_bank_entries').where({ order_id: order.id }).count({ n: '*' }).first()).toEqual({ n: '1' });
});
