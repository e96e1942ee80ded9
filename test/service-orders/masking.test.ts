import { startStack, createUser, type Stack, type TestUser } from '../helpers/stack';
import { ROLES, type Role } from '../../db/repositories/users';
import { acceptServiceOrder, checkInServiceOrder, checkOutServiceOrder, dispatchServiceOrder, getServiceOrder, listServiceOrders, placeServiceOrder, rateServiceOrder } from '../../api/service-orders/service';
import { principal, seedOrderWorld, type OrderWorld } from './fixtures';

let stack: Stack;
let w: OrderWorld;

beforeAll(async () => {
  stack = await startStack();
  w = await seedOrderWorld(stack, { volunteers: 2 });
});
afterAll(async () => {
  await stack.close();
});

const WHOLE = { phone: '13812345678', address: '幸福小区3号楼2单元501', contactMasked: false };
const MASKED = { phone: '138****5678', address: '幸福小区3号****', contactMasked: true };

/** Every role, each given the scope that lets it see the most of this order. */
async function everyRole(): Promise<{ role: Role; user: TestUser }[]> {
  const scope = (role: Role) => (['officer', 'organiser', 'dispatcher', 'resident'].includes(role) ? { regionId: w.s.communityId } : ['applicant', 'funder'].includes(role) ? { organisationId: w.s.organisationId } : {});
  return Promise.all(ROLES.map(async (role) => ({ role, user: await createUser(stack, [role], scope(role)) })));
}

async function sight(user: TestUser, orderId: string): Promise<'whole' | 'masked' | 'hidden'> {
  const p = await principal(stack, user);
  let one;
  try {
    one = await getServiceOrder(stack.deps, p, orderId);
  } catch (err) {
    if ((err as { status?: number }).status === 404) return 'hidden';
    throw err;
  }
  const listed = (await listServiceOrders(stack.deps, p, { limit: 100 })).items.find((o) => o.id === orderId);
  expect(listed).toBeDefined();
  expect({ phone: listed!.phone, address: listed!.address }).toEqual({ phone: one.phone, address: one.address });
  if (one.contactMasked) {
    expect(one).toMatchObject(MASKED);
    return 'masked';
  }
  expect(one).toMatchObject(WHOLE);
  return 'whole';
}

test('when an order is open, only the community dispatcher and the accepted volunteer see the phone and address whole; every other role gets them masked', async () => {
  const worker = await principal(stack, w.dispatcher);
  const order = await placeServiceOrder(stack.deps, worker, { menuItemId: w.menuItemId, communityId: w.s.communityId, residentId: w.resident.id, phone: WHOLE.phone, address: WHOLE.address, windowFrom: new Date(Date.now() + 3600_000).toISOString(), windowTo: new Date(Date.now() + 7200_000).toISOString() });
  const v = w.volunteers[0];
  await dispatchServiceOrder(stack.deps, worker, order.id, { volunteerId: v.id });
  await acceptServiceOrder(stack.deps, await principal(stack, v.user), order.id);
  const roles = await everyRole();

  const seen: Record<string, string> = { assignee: await sight(v.user, order.id), otherVolunteer: await sight(w.volunteers[1].user, order.id) };
  for (const { role, user } of roles) seen[role] = await sight(user, order.id);

  expect(seen).toEqual({
    assignee: 'whole', dispatcher: 'whole',
    otherVolunteer: 'masked', admin: 'masked', officer: 'masked', applicant: 'masked', resident: 'hidden',
    organiser: 'hidden', reviewer: 'hidden', supervisor: 'hidden', evaluator: 'hidden', funder: 'hidden',
  });
  expect(await stack.db('service_orders').where({ id: order.id }).first('phone', 'address')).toEqual({ phone: WHOLE.phone, address: WHOLE.address });
});

test('when the order closes, the dispatcher and the one who served it see the contact masked too', async () => {
  const worker = await principal(stack, w.dispatcher);
  const order = await placeServiceOrder(stack.deps, await principal(stack, w.resident), { menuItemId: w.menuItemId, communityId: w.s.communityId, phone: WHOLE.phone, address: WHOLE.address, windowFrom: new Date(Date.now() + 3600_000).toISOString(), windowTo: new Date(Date.now() + 7200_000).toISOString() });
  const v = w.volunteers[1];
  const server = await principal(stack, v.user);
  await dispatchServiceOrder(stack.deps, worker, order.id, { volunteerId: v.id });
  await acceptServiceOrder(stack.deps, server, order.id);
  await checkInServiceOrder(stack.deps, server, order.id, {});
  expect(await sight(v.user, order.id)).toBe('whole');
  await checkOutServiceOrder(stack.deps, server, order.id, { peopleServed: 1 });
  const rated = await rateServiceOrder(stack.deps, await principal(stack, w.resident), order.id, { rating: 4, comment: '' });

  expect(rated).toMatchObject({ status: 'rated', ...MASKED });
  expect(await sight(v.user, order.id)).toBe('masked');
  expect(await sight(w.dispatcher, order.id)).toBe('masked');
  expect(await stack.db('service_orders').where({ id: order.id }).first('status', 'phone')).toEqual({ status: 'rated', phone: WHOLE.phone });
});
