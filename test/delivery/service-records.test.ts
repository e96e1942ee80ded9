import crypto from 'node:crypto';
// Issue 10 §2: a service record has a natural key (project, volunteer, date, start time). The same shift twice is a
// 409 naming the first record, overlapping shifts of one volunteer on any project are refused naming the other, the
// database holds both rules whatever runs concurrently, and the time bank stays the sum of its ledger rows.
import { startStack, createUser, type Stack, type TestUser } from '../helpers/stack';
import { as } from '../helpers/api';
import { seedProgramme, type Seeded } from '../helpers/projects';
import { createCast, createProject, driveTo, expectStatus, inDays, seedNeed, today, type Cast } from '../helpers/lifecycle';

let stack: Stack;
let s: Seeded;
let cast: Cast;
let admin: TestUser;
let needId: string;
let projectA: string;
let projectB: string;

beforeAll(async () => {
  stack = await startStack();
  s = await seedProgramme(stack);
  cast = await createCast(stack, s);
  admin = await createUser(stack, ['admin']);
  needId = await seedNeed(stack, s.communityId);
  [projectA, projectB] = [await createProject(stack, cast.applicant, s, needId), await createProject(stack, cast.applicant, s, needId)];
  for (const id of [projectA, projectB]) await driveTo(stack, cast, s.rules, id, 'delivery');
});
afterAll(async () => {
  await stack.close();
});

const app = () => as(stack, cast.applicant);
const volunteer = async (name: string) => expectStatus(await app().post('/api/v1/volunteers', { name }), 201).body.id as string;
const record = (v: string, extra: Record<string, unknown> = {}) => ({ activity: 'Meal delivery', heldOn: today(), place: 'Canteen', peopleServed: 30, volunteers: [{ volunteerId: v, hours: 3 }], ...extra });
const ledger = async (v: string) => stack.db('time_bank_entries').where({ volunteer_id: v }).select(stack.db.raw('count(*)::int as entries, coalesce(sum(hours),0)::float as hours, coalesce(sum(points),0)::int as points')).first();

test('the same body sent twice at once without an Idempotency-Key writes one record: the other answers 409 naming it, and the volunteer is credited once', async () => {
  const v = await volunteer('孙丽');
  const answers = await Promise.all([app().post(`/api/v1/projects/${projectA}/service-records`, record(v)), app().post(`/api/v1/projects/${projectA}/service-records`, record(v))]);
  expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
  const first = answers.find((a) => a.status === 201)!;
  const second = answers.find((a) => a.status === 409)!;
  expect(second.body.detail).toContain(first.body.id);
  expect(await stack.db('service_records').where('service_records.project_id', projectA).join('volunteer_shifts as v', 'v.service_record_id', 'service_records.id').where('v.volunteer_id', v).select('service_records.id')).toEqual([{ id: first.body.id }]);
  expect(await ledger(v)).toEqual({ entries: 1, hours: 3, points: 30 });
  const account = expectStatus(await as(stack, admin).get(`/api/v1/volunteers/${v}/time-bank`), 200).body;
  expect(account).toMatchObject({ hours: 3, balance: 30 });
});

test('a second record of the same timed shift is refused with 409 naming the first, and the time bank is unchanged', async () => {
  const v = await volunteer('周强');
  const first = expectStatus(await app().post(`/api/v1/projects/${projectA}/service-records`, record(v, { startTime: '09:00' })), 201);
  const again = await app().post(`/api/v1/projects/${projectA}/service-records`, record(v, { startTime: '09:00', activity: 'Meal delivery, again' }));
  expect(again.status).toBe(409);
  expect(again.body).toMatchObject({ currentStage: 'delivery', serviceRecordId: first.body.id });
  expect(again.body.detail).toContain(first.body.id);
  expect(await ledger(v)).toEqual({ entries: 1, hours: 3, points: 30 });
  // A later shift the same day is another record.
  expectStatus(await app().post(`/api/v1/projects/${projectA}/service-records`, record(v, { startTime: '13:00' })), 201);
  expect(await ledger(v)).toEqual({ entries: 2, hours: 6, points: 60 });
});

test('a shift overlapping the same volunteer\'s shift on another project is refused with 422 naming that record', async () => {
  const v = await volunteer('吴芳');
  const onA = expectStatus(await app().post(`/api/v1/projects/${projectA}/service-records`, record(v, { startTime: '09:00' })), 201);
  const onB = await app().post(`/api/v1/projects/${projectB}/service-records`, record(v, { startTime: '11:30' }));
  expect(onB.status).toBe(422);
  expect(onB.body.errors).toEqual([expect.objectContaining({ field: '/body/volunteers/0', rule: 'shift-overlap', message: expect.stringContaining(onA.body.id) })]);
  expect(await stack.db('service_records').where('service_records.project_id', projectB).join('volunteer_shifts as v', 'v.service_record_id', 'service_records.id').where('v.volunteer_id', v)).toEqual([]);
  // Back to back is no overlap.
  expectStatus(await app().post(`/api/v1/projects/${projectB}/service-records`, record(v, { startTime: '12:00' })), 201);
  expect(await ledger(v)).toEqual({ entries: 2, hours: 6, points: 60 });
});

test('overlapping shifts on two projects sent at once: one is written, the other refused, and the time bank holds one', async () => {
  const v = await volunteer('郑洁');
  const day = inDays(2);
  const answers = await Promise.all([
    app().post(`/api/v1/projects/${projectA}/service-records`, record(v, { heldOn: day, startTime: '08:00' })),
    app().post(`/api/v1/projects/${projectB}/service-records`, record(v, { heldOn: day, startTime: '10:00' })),
  ]);
  expect(answers.map((a) => a.status).sort()).toEqual([201, 422]);
  expect(answers.find((a) => a.status === 422)!.body.errors[0]).toMatchObject({ rule: 'shift-overlap' });
  expect(await ledger(v)).toEqual({ entries: 1, hours: 3, points: 30 });
});

test('the database itself refuses a second row of the same shift and an overlapping one', async () => {
  const v = await volunteer('冯涛');
  const first = expectStatus(await app().post(`/api/v1/projects/${projectA}/service-records`, record(v, { heldOn: inDays(3), startTime: '18:00' })), 201);
  const [other] = await stack.db('service_records').insert({ id: crypto.randomUUID(), project_id: projectB, activity: 'x', held_on: inDays(3), place: 'y', people_served: 1 }).returning('id');
  const shift = (projectId: string, startTime: string) => ({ service_record_id: other.id, volunteer_id: v, project_id: projectId, held_on: inDays(3), start_time: startTime, hours: 1 });
  await expect(stack.db('volunteer_shifts').insert(shift(projectB, '19:00'))).rejects.toMatchObject({ code: '23P01', constraint: 'volunteer_shifts_no_overlap' });
  await expect(stack.db('volunteer_shifts').insert({ ...shift(projectA, '18:00') })).rejects.toMatchObject({ code: '23505', constraint: 'volunteer_shifts_natural_key' });
  expect(await stack.db('volunteer_shifts').where({ volunteer_id: v }).select('service_record_id')).toEqual([{ service_record_id: first.body.id }]);
});
