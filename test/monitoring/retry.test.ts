// Issue 9 item 4, monitoring: a move retried with its Idempotency-Key after it applied (its answer lost, or a 503)
// gets the applied update's result (the same status and body), and writes nothing twice.
import { startStack, createUser, type Stack, type TestUser } from '../helpers/stack';
import { as } from '../helpers/api';
import { seedProgramme, type Seeded } from '../helpers/projects';
import { createCast, createProject, driveTo, expectStatus, seedNeed, today, type Cast } from '../helpers/lifecycle';
import { answeredUnavailableThenApplied, sentTwiceAnswerLost } from '../helpers/retry';

let stack: Stack;
let s: Seeded;
let cast: Cast;
let supervisor: TestUser;
let needId: string;

beforeAll(async () => {
  stack = await startStack();
  s = await seedProgramme(stack);
  cast = await createCast(stack, s);
  supervisor = await createUser(stack, ['supervisor']);
  needId = await seedNeed(stack, s.communityId);
});
afterAll(async () => {
  await stack.close();
});

const count = async (table: string, where: Record<string, unknown>) => Number((await stack.db(table).where(where).count({ n: '*' }).first())?.n);
async function inDelivery(): Promise<string> {
  const id = await createProject(stack, cast.applicant, s, needId);
  await driveTo(stack, cast, s.rules, id, 'delivery');
  return id;
}
const goodScores = () => Object.fromEntries(s.rules.monitoring.supervisionDimensions.map((d) => [d.key, 90]));

test('a monthly report retried after it applied answers 201 with the same body, not 409 for its own period', async () => {
  const id = await inDelivery();
  const key = `report-${id}`;
  const [first, retry] = await sentTwiceAnswerLost(stack, cast.applicant, key, () =>
    as(stack, cast.applicant).post(`/api/v1/projects/${id}/reports`, { period: 1, summary: 'Month one', indicatorProgress: [{ name: 'home visits', achieved: 10 }] }, { 'Idempotency-Key': key }),
  );
  expectStatus(first, 201);
  expect([retry.status, retry.body]).toEqual([201, first.body]);
  expect(await count('monthly_reports', { project_id: id })).toBe(1);
});

test('a supervisor assignment and a visit retried after they applied answer with the same bodies, one task and one visit', async () => {
  const id = await inDelivery();
  const assignKey = `supervisor-${id}`;
  const [assigned, reassigned] = await sentTwiceAnswerLost(stack, cast.officer, assignKey, () => as(stack, cast.officer).post(`/api/v1/projects/${id}/supervisor`, { supervisorId: supervisor.id }, { 'Idempotency-Key': assignKey }));
  expectStatus(assigned, 200);
  expect([reassigned.status, reassigned.body]).toEqual([200, assigned.body]);
  expect(await count('tasks', { project_id: id, kind: 'supervise' })).toBe(1);

  const visitKey = `visit-${id}`;
  const [first, retry] = await sentTwiceAnswerLost(stack, supervisor, visitKey, () =>
    as(stack, supervisor).post(`/api/v1/projects/${id}/supervision-visits`, { visitedOn: today(), scores: goodScores(), notes: 'tidy files' }, { 'Idempotency-Key': visitKey }),
  );
  expectStatus(first, 201);
  expect([retry.status, retry.body]).toEqual([201, first.body]);
  expect(await count('supervision_visits', { project_id: id })).toBe(1);
});

test('a complaint retried after it applied answers 201 with the same body and is counted once', async () => {
  const id = await inDelivery();
  const key = `complaint-${id}`;
  const [first, retry] = await sentTwiceAnswerLost(stack, cast.officer, key, () => as(stack, cast.officer).post(`/api/v1/projects/${id}/complaints`, { receivedOn: today(), description: 'late visit' }, { 'Idempotency-Key': key }));
  expectStatus(first, 201);
  expect(first.body.complaints).toBe(1);
  expect([retry.status, retry.body]).toEqual([201, first.body]);
  expect(await count('complaints', { project_id: id })).toBe(1);
});

test('a quarterly review retried after it applied answers 201 with the same body, not 422 "one per quarter" for itself', async () => {
  const id = await inDelivery();
  const key = `quarter-${id}`;
  const [first, retry] = await sentTwiceAnswerLost(stack, cast.officer, key, () =>
    as(stack, cast.officer).post(`/api/v1/projects/${id}/quarterly-reviews`, { quarter: '2026-Q4', heldOn: today(), notes: 'on track' }, { 'Idempotency-Key': key }),
  );
  expectStatus(first, 201);
  expect([retry.status, retry.body]).toEqual([201, first.body]);
  // Another request for the same quarter is still refused.
  const other = await as(stack, cast.officer).post(`/api/v1/projects/${id}/quarterly-reviews`, { quarter: '2026-Q4', heldOn: today(), notes: 'again' }, { 'Idempotency-Key': `${key}-other` });
  expect([other.status, other.body.errors?.[0]?.rule]).toEqual([422, 'one-per-quarter']);
  expect(await count('quarterly_reviews', { project_id: id })).toBe(1);
});

test('a quarterly review answered 503 that then applied is answered 201 on the retry with the same key', async () => {
  const id = await inDelivery();
  const send = () => as(stack, cast.officer).post(`/api/v1/projects/${id}/quarterly-reviews`, { quarter: '2027-Q1', heldOn: today(), notes: 'met' }, { 'Idempotency-Key': `quarter-503-${id}` });
  await answeredUnavailableThenApplied(stack, send, async () => {
    expect(await count('quarterly_reviews', { project_id: id })).toBe(1);
  });
  const retry = expectStatus(await send(), 201);
  expect(retry.body.stage).toBe('delivery');
  expect(await count('project_events', { project_id: id, kind: 'quarterlyReviewRecorded' })).toBe(1);
});

test('a rectification plan and its completion retried after they applied answer 200 with the same bodies', async () => {
  const id = await inDelivery();
  const red = expectStatus(await as(stack, cast.applicant).post(`/api/v1/projects/${id}/spending`, { budgetItem: 'Activities', amountFen: 4_000_000, spentOn: today() }), 201);
  expect(red.body.live.stage).toBe('rectification');
  const planKey = `plan-${id}`;
  const [planned, replanned] = await sentTwiceAnswerLost(stack, cast.applicant, planKey, () =>
    as(stack, cast.applicant).post(`/api/v1/projects/${id}/rectification/plan`, { plan: 'Spread the rest over the year' }, { 'Idempotency-Key': planKey }),
  );
  expectStatus(planned, 200);
  expect([replanned.status, replanned.body]).toEqual([200, planned.body]);
  const doneKey = `complete-${id}`;
  const [done, redone] = await sentTwiceAnswerLost(stack, cast.officer, doneKey, () => as(stack, cast.officer).post(`/api/v1/projects/${id}/rectification/complete`, { note: 'checked' }, { 'Idempotency-Key': doneKey }));
  expectStatus(done, 200);
  expect([redone.status, redone.body]).toEqual([200, done.body]);
  expect(await count('project_events', { project_id: id, kind: 'rectificationCompleted' })).toBe(1);
});
