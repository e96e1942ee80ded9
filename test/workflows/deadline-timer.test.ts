// The project workflow's deadlines: a move that leaves the next deadline where it was keeps its timer (issue 8; before
// `deadline-timer-kept` every move cancelled the timer and started it again), and the final evaluator's task due at the end.
import { startStack, createUser, type Stack } from '../helpers/stack';
import { as } from '../helpers/api';
import { seedProgramme, testRules } from '../helpers/projects';
import { createCast, createProject, driveTo, expectStatus, seedNeed } from '../helpers/lifecycle';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
});

const today = () => new Date().toISOString().slice(0, 10);

async function timerEvents(id: string) {
  const history = await stack.client.workflow.getHandle(`project-${id}`).fetchHistory();
  const events = history.events ?? [];
  return {
    started: events.filter((e) => e.timerStartedEventAttributes).length,
    cancelled: events.filter((e) => e.timerCanceledEventAttributes).length,
  };
}

test('three spending entries in delivery start and cancel no timer: the report deadline keeps its one timer', async () => {
  const rules = testRules();
  const s = await seedProgramme(stack, rules);
  const cast = await createCast(stack, s);
  const id = await createProject(stack, cast.applicant, s, await seedNeed(stack, s.communityId));
  await driveTo(stack, cast, rules, id, 'delivery');
  const before = await timerEvents(id);
  expect(before.started).toBeGreaterThan(0); // the first report's deadline
  for (let i = 0; i < 3; i++) {
    expectStatus(await as(stack, cast.applicant).post(`/api/v1/projects/${id}/spending`, { budgetItem: 'Activities', amountFen: 1_000 + i, spentOn: today() }), 201);
  }
  expect(await stack.db('spending_entries').where({ project_id: id }).count({ n: '*' }).first()).toEqual({ n: '3' });
  expect(await timerEvents(id)).toEqual(before);
});

test("from signing, the officer's inbox holds the final evaluator's assignment, due when the agreement ends; assigning the evaluator closes it", async () => {
  const rules = testRules();
  const s = await seedProgramme(stack, rules);
  const cast = await createCast(stack, s);
  const id = await createProject(stack, cast.applicant, s, await seedNeed(stack, s.communityId));
  await driveTo(stack, cast, rules, id, 'delivery');
  const task = () => stack.db('tasks').where({ key: `${id}:final-evaluator` }).first();
  const open = await task();
  expect(open).toMatchObject({ kind: 'assign_final_evaluator', role: 'officer', status: 'open' });
  const agreement = await stack.db('agreements').where({ project_id: id }).first();
  // The end of the agreement's last day in Shanghai: 16:00 UTC that day.
  expect(new Date(open.due_at).toISOString()).toBe(`${String(agreement.end_date instanceof Date ? agreement.end_date.toISOString().slice(0, 10) : agreement.end_date)}T16:00:00.000Z`);
  const evaluator = await createUser(stack, ['evaluator']);
  expectStatus(await as(stack, cast.officer).post(`/api/v1/projects/${id}/evaluations`, { kind: 'final', evaluatorId: evaluator.id }), 200);
  expect(await task()).toMatchObject({ status: 'done' });
});
