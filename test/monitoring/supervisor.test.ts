// The supervisor's inbox: assigning a supervisor puts the project's visits in their inbox under a catalogue title, and
// replacing them with another takes the project out of the first one's inbox. The officers' inbox: a project that
// enters delivery with no supervisor asks them to assign one.
import { startStack, createUser, type Stack, type TestUser } from '../helpers/stack';
import { as, eventually } from '../helpers/api';
import { seedProgramme, type Seeded } from '../helpers/projects';
import { agreementTerms, createCast, createProject, driveTo, expectStatus, seedNeed, today, type Cast } from '../helpers/lifecycle';

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

const assignTasks = async (projectId: string) =>
  (expectStatus(await as(stack, cast.officer).get(`/api/v1/me/tasks?projectId=${projectId}`), 200).body.items as { kind: string; title: string; status: string }[])
    .filter((t) => t.kind === 'assign_supervisor')
    .map((t) => t.title);

test("a project entering delivery with no supervisor puts the assignment in the officers' inbox; assigning one closes it, and it does not come back", async () => {
  const id = await createProject(stack, cast.applicant, s, needId);
  await driveTo(stack, cast, s.rules, id, 'approved');
  expect(await assignTasks(id)).toEqual([]);
  expectStatus(await as(stack, cast.officer).post(`/api/v1/projects/${id}/agreement`, agreementTerms()), 200);
  expect(await assignTasks(id)).toEqual(['为该项目指派督导']);
  const task = await stack.db('tasks').where({ project_id: id, kind: 'assign_supervisor' }).first();
  expect(task).toMatchObject({ role: 'officer', status: 'open', user_id: null, action: null });
  expectStatus(await as(stack, cast.officer).post(`/api/v1/projects/${id}/supervisor`, { supervisorId: first.id }), 200);
  expect(await assignTasks(id)).toEqual([]);
  expect(await stack.db('tasks').where({ project_id: id, kind: 'assign_supervisor' }).select('status')).toEqual([{ status: 'done' }]);
  // Later moves in delivery open no second one.
  expectStatus(await as(stack, cast.applicant).post(`/api/v1/projects/${id}/spending`, { budgetItem: 'Activities', amountFen: 1_000, spentOn: today() }), 201);
  expect(await stack.db('tasks').where({ project_id: id, kind: 'assign_supervisor' }).count({ n: '*' }).first()).toEqual({ n: '1' });
});

test('a project whose supervisor was named before delivery gets no such task', async () => {
  const id = await createProject(stack, cast.applicant, s, needId);
  await driveTo(stack, cast, s.rules, id, 'approved');
  expectStatus(await as(stack, cast.officer).post(`/api/v1/projects/${id}/supervisor`, { supervisorId: first.id }), 200);
  expectStatus(await as(stack, cast.officer).post(`/api/v1/projects/${id}/agreement`, agreementTerms()), 200);
  expect((await stack.db('projects').where({ id }).first('stage')).stage).toBe('delivery');
  expect(await stack.db('tasks').where({ project_id: id, kind: 'assign_supervisor' })).toEqual([]);
});

test("a supervisor assigned while the move into delivery waits for the project's row opens no task to assign one", async () => {
  const id = await createProject(stack, cast.applicant, s, needId);
  await driveTo(stack, cast, s.rules, id, 'approved');
  // The assignment holds the project's row (as the API's assignment does, under its lock) while the move is sent.
  const trx = await stack.db.transaction();
  try {
    await trx('projects').where({ id }).update({ supervisor_id: first.id });
    // Sent now (a supertest request goes out when it is first awaited or then-ed), answered after the commit.
    const move = as(stack, cast.officer).post(`/api/v1/projects/${id}/agreement`, agreementTerms()).then((r) => r);
    // The move's write reaches the row and waits for it.
    await eventually(async () => {
      const waiting = await stack.db.raw(`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%insert into project_events%'`);
      expect(waiting.rows[0].n).toBeGreaterThan(0);
    }, 30_000);
    await trx.commit();
    expectStatus(await move, 200);
  } finally {
    if (!trx.isCompleted()) await trx.rollback();
  }
  expect((await stack.db('projects').where({ id }).first('stage')).stage).toBe('delivery');
  expect(await stack.db('tasks').where({ project_id: id, kind: 'assign_supervisor' })).toEqual([]);
});
