// Issue 8 (lifecycle speed): a move that leaves the project's next deadline where it was keeps the deadline's timer;
// before `deadline-timer-kept` every move cancelled the timer and started it again (two commands and two events).
import { startStack, type Stack } from '../helpers/stack';
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
