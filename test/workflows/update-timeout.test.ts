import { startStack, type Stack } from '../helpers/stack';
import { as } from '../helpers/api';
import { sampleProposal, seedProgramme, type Seeded } from '../helpers/projects';
import { createCast, driveTo, expectStatus, seedNeed, today, type Cast } from '../helpers/lifecycle';

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

/**
 * Creating a project is an update too (update-with-start), so on a busy machine it may outlast this file's short
 * timeout: the client then retries with the same Idempotency-Key, as a 503 tells it to, and gets the one project.
 */
async function createPatiently(key = 'create-patiently'): Promise<string> {
  const body = { title: 'Patient companions', regionId: s.communityId, needIds: [await seedNeed(stack, s.communityId)], proposal: sampleProposal(5_000_000) };
  for (;;) {
    const res = await as(stack, cast.applicant).post(`/api/v1/programmes/${s.programmeId}/projects`, body, { 'Idempotency-Key': key });
    if (res.status !== 503) return expectStatus(res, 201).body.id as string;
  }
}

test('when no worker answers in time, a move gets 503 with Retry-After, and the retry with the same key gets the one result', async () => {
  const id = await createPatiently();
  expect(await stack.db('projects').where({ programme_id: s.programmeId }).count({ n: '*' }).first()).toEqual({ n: '1' });
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

test('when the process stops while a move waits on a stopped worker, the request answers 503 at once and the retry after restart gets the one result', async () => {
  const id = await createPatiently('create-before-shutdown');
  await driveTo(stack, cast, s.rules, id, 'delivery');
  const app = as(stack, cast.applicant);
  const record = { activity: 'Evening visits', heldOn: today(), place: 'Block 5', peopleServed: 4, volunteers: [] };
  await stack.stopWorker();
  const stopping = new AbortController();
  stack.deps.stopping = stopping.signal;
  try {
    const pending = app.post(`/api/v1/projects/${id}/service-records`, record, { 'Idempotency-Key': 'visit-at-shutdown' });
    // The shutdown's grace has passed: waiting updates are cut short (the normal 25 s update timeout has not).
    setTimeout(() => stopping.abort(), 500);
    const cut = await pending;
    expect(cut.status).toBe(503);
    expect(cut.body.detail).toMatch(/服务器正在停止/);
    expect(cut.headers['retry-after']).toBe('5');
  } finally {
    stack.deps.stopping = undefined;
    await stack.startWorker();
  }
  const retried = expectStatus(await app.post(`/api/v1/projects/${id}/service-records`, record, { 'Idempotency-Key': 'visit-at-shutdown' }), 201);
  expect(await stack.db('service_records').where({ project_id: id }).select('id')).toEqual([{ id: retried.body.id }]);
});
