// The supervisor's inbox: assigning a supervisor puts the project's visits in their inbox under a catalogue title, and
// replacing them with another takes the project out of the first one's inbox.
import { startStack, createUser, type Stack, type TestUser } from '../helpers/stack';
import { as } from '../helpers/api';
import { seedProgramme, type Seeded } from '../helpers/projects';
import { createCast, createProject, driveTo, expectStatus, seedNeed, type Cast } from '../helpers/lifecycle';

let stack: Stack;
let s: Seeded;
let cast: Cast;
let first: TestUser;
let second: TestUser;
let needId: string;

beforeAll(async () => {
  stack = await startStack();
  s = await seedProgramme(stack);
  cast = await createCast(stack, s);
  first = await createUser(stack, ['supervisor']);
  second = await createUser(stack, ['supervisor']);
  needId = await seedNeed(stack, s.communityId);
});
afterAll(async () => {
  await stack.close();
});

const openSupervise = async (user: TestUser, projectId: string, lang?: string) => {
  const req = as(stack, user).get(`/api/v1/me/tasks?projectId=${projectId}`);
  const res = expectStatus(await (lang ? req.set('Accept-Language', lang) : req), 200);
  return (res.body.items as { kind: string; title: string }[]).filter((t) => t.kind === 'supervise').map((t) => t.title);
};

test('when a supervisor is assigned, their inbox holds the visit in Chinese (English on asking), one task however often they are assigned', async () => {
  const id = await createProject(stack, cast.applicant, s, needId);
  await driveTo(stack, cast, s.rules, id, 'delivery');
  expectStatus(await as(stack, cast.officer).post(`/api/v1/projects/${id}/supervisor`, { supervisorId: first.id }), 200);
  expectStatus(await as(stack, cast.officer).post(`/api/v1/projects/${id}/supervisor`, { supervisorId: first.id }), 200);
  expect(await openSupervise(first, id)).toEqual(['走访督导该项目']);
  expect(await openSupervise(first, id, 'en')).toEqual(['Visit and supervise this project']);
});

test('when the supervisor is replaced by another, the first one no longer has the project in their inbox and the second has it', async () => {
  const id = await createProject(stack, cast.applicant, s, needId);
  await driveTo(stack, cast, s.rules, id, 'delivery');
  expectStatus(await as(stack, cast.officer).post(`/api/v1/projects/${id}/supervisor`, { supervisorId: first.id }), 200);
  expectStatus(await as(stack, cast.officer).post(`/api/v1/projects/${id}/supervisor`, { supervisorId: second.id }), 200);
  expect(await openSupervise(first, id)).toEqual([]);
  expect(await openSupervise(second, id)).toEqual(['走访督导该项目']);
  const rows = await stack.db('tasks').where({ project_id: id, kind: 'supervise' }).orderBy('created_at').select('user_id', 'status');
  expect(rows).toEqual([{ user_id: first.id, status: 'done' }, { user_id: second.id, status: 'open' }]);
});
