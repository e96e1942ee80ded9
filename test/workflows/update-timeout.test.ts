import { startStack, type Stack } from '../helpers/stack';
import { as } from '../helpers/api';
import { seedProgramme, type Seeded } from '../helpers/projects';
import { createCast, createProject, driveTo, expectStatus, seedNeed, today, type Cast } from '../helpers/lifecycle';

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

test('when no worker answers in time, a move gets 503 with Retry-After, and the retry with the same key gets the one result', async () => {
  const id = await createProject(stack, cast.applicant, s, await seedNeed(stack, s.communityId));
  await driveTo(stack, cast, s.rules, id, 'delivery');
  const app = as(stack, cast.applicant);
  const record = { activity: 'Home visits', heldOn: today(), place: 'Block 3', peopleServed: 8, volunteers: [] };

  await stack.stopWorker();
  // Only this move must be late: the moves before it run with the normal timeout however busy the machine is.
  stack.deps.config.updateTimeoutMs = 1500;
  const late = await app.post(`/api/v1/projects/${id}/service-records`, record, { 'Idempotency-Key': 'slow-visit' });
  stack.deps.config.updateTimeoutMs = undefined;
  expect(late.status).toBe(503);
  expect(late.headers['retry-after']).toBe('5');
  expect(late.body.detail).toMatch(/Idempotency-Key/);

  await stack.startWorker();
  const retried = expectStatus(await app.post(`/api/v1/projects/${id}/service-records`, record, { 'Idempotency-Key': 'slow-visit' }), 201);
  expect(await stack.db('service_records').where({ project_id: id }).select('id')).toEqual([{ id: retried.body.id }]);
  expect(await stack.db('project_events').where({ project_id: id, kind: 'serviceRecorded' }).count({ n: '*' }).first()).toEqual({ n: '1' });
});
