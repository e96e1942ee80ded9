// Issue 9 item 4: a move answered 503 may still apply; the retry the 503 asks for (same Idempotency-Key) gets the
// applied update's result, never a 409 from a stage read before the move.
import { startStack, type Stack } from '../helpers/stack';
import { as, eventually } from '../helpers/api';
import { seedProgramme, type Seeded } from '../helpers/projects';
import { createCast, createProject, expectStatus, seedNeed, type Cast } from '../helpers/lifecycle';

let stack: Stack;
let s: Seeded;
let cast: Cast;
let needId: string;

beforeAll(async () => {
  stack = await startStack();
  s = await seedProgramme(stack);
  cast = await createCast(stack, s);
  needId = await seedNeed(stack, s.communityId);
});
afterAll(async () => {
  await stack.close();
});

/** Sends a move while no worker runs, so it answers 503; then lets the worker apply it. */
async function answeredUnavailableThenApplied(send: () => Promise<{ status: number }>, applied: () => Promise<void>): Promise<void> {
  await stack.stopWorker();
  const timeout = stack.deps.config.updateTimeoutMs;
  stack.deps.config.updateTimeoutMs = 300;
  try {
    expect((await send()).status).toBe(503);
  } finally {
    stack.deps.config.updateTimeoutMs = timeout;
    await stack.startWorker();
  }
  await eventually(applied, 30_000);
}

test('a design submission answered 503 that then applied is answered 200 with its result on the retry with the same key, and submits one version', async () => {
  const id = await createProject(stack, cast.applicant, s, needId, { title: 'Retried submission' });
  const submit = () => as(stack, cast.applicant).post(`/api/v1/projects/${id}/design/submit`, {}, { 'Idempotency-Key': `submit-${id}` });
  await answeredUnavailableThenApplied(submit, async () => {
    expect((await stack.db('projects').where({ id }).first('stage')).stage).toBe('review');
  });

  const retry = expectStatus(await submit(), 200);
  expect(retry.body).toMatchObject({ projectId: id, stage: 'review', version: 1 });
  expect(await stack.db('design_versions').where({ project_id: id }).count({ n: '*' }).first()).toEqual({ n: '1' });
  expect(await stack.db('project_events').where({ project_id: id, kind: 'designSubmitted' }).count({ n: '*' }).first()).toEqual({ n: '1' });

  // A new submission (another key) is refused for its stage, naming it.
  const again = await as(stack, cast.applicant).post(`/api/v1/projects/${id}/design/submit`, {}, { 'Idempotency-Key': `submit-again-${id}` });
  expect(again.status).toBe(409);
  expect(again.body.currentStage).toBe('review');
});

test('a panel assignment answered 503 that then applied is answered 200 on the retry with the same key, with one panel', async () => {
  const id = await createProject(stack, cast.applicant, s, needId, { title: 'Retried panel' });
  expectStatus(await as(stack, cast.applicant).post(`/api/v1/projects/${id}/design/submit`), 200);
  const assign = () => as(stack, cast.officer).post(`/api/v1/projects/${id}/review/panel`, { reviewerIds: [cast.reviewer.id] }, { 'Idempotency-Key': `panel-${id}` });
  await answeredUnavailableThenApplied(assign, async () => {
    expect(await stack.db('review_assignments').where({ project_id: id }).count({ n: '*' }).first()).toEqual({ n: '1' });
  });

  const retry = expectStatus(await assign(), 200);
  expect(retry.body.panel.map((p: { reviewerId: string }) => p.reviewerId)).toEqual([cast.reviewer.id]);
  expect(await stack.db('review_assignments').where({ project_id: id }).select('reviewer_id', 'status')).toEqual([{ reviewer_id: cast.reviewer.id, status: 'assigned' }]);
  expect(await stack.db('project_events').where({ project_id: id, kind: 'panelAssigned' }).count({ n: '*' }).first()).toEqual({ n: '1' });
});
