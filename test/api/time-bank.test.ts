import { startStack, type Stack } from '../helpers/stack';
import { as } from '../helpers/api';
import { seedProgramme, type Seeded } from '../helpers/projects';
import { createCast, createProject, driveTo, seedNeed, today, type Cast } from '../helpers/lifecycle';

let stack: Stack;
let s: Seeded;
let cast: Cast;

beforeAll(async () => {
  stack = await startStack();
  s = await seedProgramme(stack);
  cast = await createCast(stack, s);
});
afterAll(async () => {
  await stack.close();
});

test('when two projects record the same volunteer on the same day at once, together past 24 hours, one is refused and the time bank holds only the other', async () => {
  const needId = await seedNeed(stack, s.communityId);
  const ids = [await createProject(stack, cast.applicant, s, needId), await createProject(stack, cast.applicant, s, needId)];
  for (const id of ids) await driveTo(stack, cast, s.rules, id, 'delivery');
  const app = as(stack, cast.applicant);
  const volunteer = (await app.post('/api/v1/volunteers', { name: '张伟' })).body.id as string;
  const record = (hours: number) => ({ activity: 'Meal delivery', heldOn: today(), place: 'Canteen', peopleServed: 30, volunteers: [{ volunteerId: volunteer, hours }] });

  const answers = await Promise.all([app.post(`/api/v1/projects/${ids[0]}/service-records`, record(15)), app.post(`/api/v1/projects/${ids[1]}/service-records`, record(12))]);

  expect(answers.map((a) => a.status).sort()).toEqual([201, 422]);
  const refused = answers.find((a) => a.status === 422)!;
  expect(refused.body.errors[0]).toMatchObject({ field: '/body/volunteers/0/hours', rule: 'hours-per-day' });
  const bank = await stack.db('time_bank_entries').where({ volunteer_id: volunteer });
  expect(bank).toHaveLength(1);
  expect(await stack.db('service_records').whereIn('project_id', ids).count({ n: '*' }).first()).toEqual({ n: '1' });
});
