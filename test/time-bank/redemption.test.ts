import { startStack, createUser, type Stack } from '../helpers/stack';
import { seedProgramme, type Seeded } from '../helpers/projects';
import { redeemPoints } from '../../api/time-bank/service';
import { account } from '../../db/repositories/time-bank';
import { principal } from '../service-orders/fixtures';
import type { Principal } from '../../api/auth';

let stack: Stack;
let s: Seeded;
let volunteerId: string;
let resourceId: string;
let me: Principal;

beforeAll(async () => {
  stack = await startStack({ worker: false });
  s = await seedProgramme(stack);
  const user = await createUser(stack, ['applicant'], { organisationId: s.organisationId });
  me = await principal(stack, user);
  const [v] = await stack.db('volunteers').insert({ name: '李娜', organisation_id: s.organisationId, user_id: user.id, region_path: s.communityPath }).returning('id');
  volunteerId = v.id;
  const [r] = await stack.db('resources').insert({ region_id: s.communityId, unit: 'Community canteen', kind: 'goods', offer: 'A meal for 10 points' }).returning('id');
  resourceId = r.id;
});
afterAll(async () => {
  await stack.close();
});

async function earn(points: number): Promise<void> {
  const [order] = await stack.db('service_orders').insert({
    id: crypto.randomUUID(), category: 'meals', community_id: s.communityId, region_path: s.communityPath, resident_name: '王', phone: '13800000000', address: '1号',
    window_from: new Date(), window_to: new Date(Date.now() + 3600_000), status: 'rated', ordered_by: me.id, ordered_at: new Date(),
  }).returning('id');
  await stack.db('time_bank_entries').insert({ volunteer_id: volunteerId, order_id: order.id, cause: 'service_order', hours: points / 10, points });
}

test('when 200 redemptions of 10 points race against a balance of 1,000, exactly 100 pass, none overdraws, and the balance is the sum of the rows', async () => {
  await earn(1000);

  const answers = await Promise.allSettled(Array.from({ length: 200 }, () => redeemPoints(stack.deps, me, volunteerId, { points: 10, resourceId, note: 'meal' })));

  const passed = answers.filter((a) => a.status === 'fulfilled');
  const refused = answers.filter((a): a is PromiseRejectedResult => a.status === 'rejected');
  expect(passed).toHaveLength(100);
  expect(refused).toHaveLength(100);
  expect(refused.every((r) => r.reason.status === 422 && r.reason.extensions.errors[0].rule === 'balance')).toBe(true);
  const bank = await account(stack.db, volunteerId);
  expect(bank).toMatchObject({ earnedPoints: 1000, redeemedPoints: 1000, balance: 0 });
  const sum = await stack.db('time_bank_entries').where({ volunteer_id: volunteerId }).sum({ total: 'points' }).first();
  expect(Number(sum!.total)).toBe(0);
  expect(await stack.db('time_bank_entries').where({ volunteer_id: volunteerId, cause: 'redemption' }).whereNotNull('resource_id')).toHaveLength(100);
});

test('when a redemption asks for more than the balance, it is refused with the balance and nothing is written', async () => {
  await earn(30);
  const before = await stack.db('time_bank_entries').where({ volunteer_id: volunteerId }).count({ n: '*' }).first();

  await expect(redeemPoints(stack.deps, me, volunteerId, { points: 31, resourceId })).rejects.toMatchObject({ status: 422, extensions: { balance: 30 } });

  expect(await stack.db('time_bank_entries').where({ volunteer_id: volunteerId }).count({ n: '*' }).first()).toEqual(before);
  expect((await account(stack.db, volunteerId)).balance).toBe(30);
});

test('when an applicant of another organisation redeems a volunteer\'s points, the volunteer is not found for them and nothing is written', async () => {
  const other = await seedProgramme(stack);
  const stranger = await principal(stack, await createUser(stack, ['applicant'], { organisationId: other.organisationId }));

  await expect(redeemPoints(stack.deps, stranger, volunteerId, { points: 1, resourceId })).rejects.toMatchObject({ status: 404 });

  expect((await account(stack.db, volunteerId)).balance).toBe(30);
});
