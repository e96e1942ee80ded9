// Deadlines are 20 s: short enough for a test, long enough that a loaded 2-core machine answers a dispatch in time.
// A community's day on the real stack: dozens of orders through the API, with declines, missed deadlines, an
// escalation, ratings high and low and orders left unrated; the ratings then feed the project's drawn figures.
import { startStack, createUser, type Stack } from '../helpers/stack';
import { as, eventually } from '../helpers/api';
import { expectStatus } from '../helpers/lifecycle';
import { seedOrderWorld, type OrderWorld } from './fixtures';

let stack: Stack;
let w: OrderWorld;

beforeAll(async () => {
  stack = await startStack();
  w = await seedOrderWorld(stack, { volunteers: 6, terms: { acceptWithin: 'PT20S', maxFailedDispatches: 2, ratingWindow: 'PT20S', pointsPerHour: 10 } });
});
afterAll(async () => {
  await stack.close();
});

const ORDERS = 30;
/** What each order meets during the day. */
type Fate = 'plain' | 'declined' | 'timedOut' | 'escalated' | 'unrated';
const fateOf = (i: number): Fate => (i === 0 ? 'escalated' : i % 5 === 1 ? 'declined' : i % 5 === 2 ? 'timedOut' : i % 7 === 3 ? 'unrated' : 'plain');
const RATINGS = [5, 4, 5, 3, 2, 5, 4, 1, 5, 4];

test('a community day: 30 orders with declines, timeouts, an escalation and unrated orders end as expected, and the ratings become the drawn figures', async () => {
  const otherResident = await createUser(stack, ['resident'], { regionId: w.s.communityId });
  const residents = [w.resident, otherResident];
  const soon = (h: number) => new Date(Date.now() + h * 3600_000).toISOString();
  const status = async (id: string) => (await stack.db('service_orders').where({ id }).first('status')).status as string;
  const expected = { rated: [] as number[], unrated: 0, declines: 0, timeouts: 0, escalations: 0, residents: new Set<string>(), people: 0 };

  async function runOrder(i: number): Promise<void> {
    const fate = fateOf(i);
    // Every third order is placed by the dispatcher for a resident with no account.
    const byWorker = i % 3 === 0;
    const placer = byWorker ? w.dispatcher : residents[i % 2];
    const body = { menuItemId: w.menuItemId, communityId: w.s.communityId, phone: `1380000${String(1000 + i)}`, address: `幸福小区${i}号楼`, windowFrom: soon(2), windowTo: soon(4), ...(byWorker ? { residentName: `居民${i}` } : {}) };
    const order = expectStatus(await as(stack, placer).post('/api/v1/service-orders', body), 201).body;
    const path = `/api/v1/service-orders/${order.id}`;
    const first = w.volunteers[i % 6];
    const second = w.volunteers[(i + 1) % 6];
    const dispatcher = as(stack, w.dispatcher);
    expectStatus(await dispatcher.post(`${path}/dispatch`, { volunteerId: first.id }), 200);
    let server = first;
    if (fate === 'declined' || fate === 'escalated') {
      expectStatus(await as(stack, first.user).post(`${path}/decline`, { reason: '今天没空' }), 200);
      expected.declines++;
      server = second;
      expectStatus(await dispatcher.post(`${path}/dispatch`, { volunteerId: second.id }), 200);
    }
    if (fate === 'timedOut') {
      await eventually(async () => expect(await status(order.id)).toBe('ordered'), 60_000);
      expected.timeouts++;
      server = second;
      expectStatus(await dispatcher.post(`${path}/dispatch`, { volunteerId: second.id }), 200);
    }
    if (fate === 'escalated') {
      expectStatus(await as(stack, second.user).post(`${path}/decline`, { reason: '生病' }), 200);
      expected.declines++;
      expect(await status(order.id)).toBe('escalated');
      expected.escalations++;
      server = w.volunteers[(i + 2) % 6];
      expectStatus(await as(stack, w.streetOfficer).post(`${path}/dispatch`, { volunteerId: server.id }), 200);
    }
    const v = as(stack, server.user);
    expectStatus(await v.post(`${path}/accept`), 200);
    expectStatus(await v.post(`${path}/check-in`, { at: new Date(Date.now() - 90 * 60_000).toISOString() }), 200);
    const people = 1 + (i % 3);
    expectStatus(await v.post(`${path}/check-out`, { peopleServed: people }), 200);
    expected.people += people;
    expected.residents.add(byWorker ? `worker-${i}` : residents[i % 2].id);
    if (fate === 'unrated') {
      await eventually(async () => expect(await status(order.id)).toBe('unrated'), 60_000);
      expected.unrated++;
      return;
    }
    const rating = RATINGS[i % RATINGS.length];
    expectStatus(await as(stack, placer).post(`${path}/rating`, { rating, comment: rating <= 2 ? '不满意' : '满意' }), 200);
    expected.rated.push(rating);
  }

  // Six lanes, as a morning's requests overlap.
  let next = 0;
  await Promise.all(Array.from({ length: 6 }, async () => {
    for (let i = next++; i < ORDERS; i = next++) await runOrder(i);
  }));

  const satisfied = expected.rated.filter((r) => r >= 4).length;
  const lows = expected.rated.filter((r) => r <= 2).length;
  const figures = expectStatus(await as(stack, w.applicant).get(`/api/v1/projects/${w.projectId}/service-figures`), 200).body;
  expect(figures.satisfaction).toEqual({ ratings: expected.rated.length, satisfied, share: Math.round((satisfied / expected.rated.length) * 10_000) / 10_000 });
  expect(figures.coverage).toMatchObject({ residents: expected.residents.size, peopleServed: expected.people });

  const byStatus = Object.fromEntries((await stack.db('service_orders').where({ project_id: w.projectId }).groupBy('status').select('status', stack.db.raw('count(*)::int as n'))).map((r) => [r.status, r.n]));
  expect(byStatus).toEqual({ rated: expected.rated.length, unrated: expected.unrated });
  const outcomes = Object.fromEntries((await stack.db('service_order_dispatches as d').join('service_orders as o', 'o.id', 'd.order_id').where('o.project_id', w.projectId).groupBy('d.outcome').select('d.outcome', stack.db.raw('count(*)::int as n'))).map((r) => [r.outcome, r.n]));
  expect(outcomes).toEqual({ accepted: ORDERS, declined: expected.declines, timed_out: expected.timeouts });
  expect(await stack.db('time_bank_entries').whereIn('order_id', stack.db('service_orders').where({ project_id: w.projectId }).select('id')).count({ n: '*' }).first()).toEqual({ n: String(ORDERS) });
  expect(await stack.db('tasks').whereLike('key', 'order:%').where({ status: 'open', kind: 'follow_up_rating' }).count({ n: '*' }).first()).toEqual({ n: String(lows) });
  expect(await stack.db('tasks').whereLike('key', 'order:%').where('status', 'open').whereNot('kind', 'follow_up_rating').count({ n: '*' }).first()).toEqual({ n: '0' });
  await eventually(async () => expect(Number((await stack.db('complaints').where({ project_id: w.projectId }).count({ n: '*' }).first())!.n)).toBe(lows), 60_000);

  const dash = expectStatus(await as(stack, w.streetOfficer).get(`/api/v1/regions/${w.streetId}/service-dashboard`), 200).body;
  expect(dash).toMatchObject({ orders: ORDERS, accepted: ORDERS, completed: ORDERS, rated: expected.rated.length, unrated: expected.unrated });
  expect(dash.medianSecondsToAccept).toBeGreaterThanOrEqual(0);
  expect(dash.timeBank.earnedPoints).toBe(ORDERS * 15);
}, 600_000);
