// Issue 9 item 4, delivery: a move retried with its Idempotency-Key after it applied (its answer lost, or a 503) gets
// the applied update's result (the same status and body), and writes nothing twice.
import { startStack, type Stack } from '../helpers/stack';
import { as } from '../helpers/api';
import { seedProgramme, type Seeded } from '../helpers/projects';
import { agreementTerms, createCast, createProject, driveTo, expectStatus, inDays, seedNeed, today, type Cast } from '../helpers/lifecycle';
import { answeredUnavailableThenApplied, sentTwiceAnswerLost } from '../helpers/retry';

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

const count = async (table: string, where: Record<string, unknown>) => Number((await stack.db(table).where(where).count({ n: '*' }).first())?.n);
async function projectIn(target: 'approved' | 'delivery'): Promise<string> {
  const id = await createProject(stack, cast.applicant, s, needId);
  await driveTo(stack, cast, s.rules, id, target);
  return id;
}
const volunteer = async (name: string) => expectStatus(await as(stack, cast.applicant).post('/api/v1/volunteers', { name }), 201).body.id as string;

test('direct funding retried after it applied answers 200 with the same body, and signs one agreement', async () => {
  const id = await projectIn('approved');
  const key = `fund-${id}`;
  const [first, retry] = await sentTwiceAnswerLost(stack, cast.officer, key, () => as(stack, cast.officer).post(`/api/v1/projects/${id}/agreement`, agreementTerms(), { 'Idempotency-Key': key }));
  expectStatus(first, 200);
  expect([retry.status, retry.body]).toEqual([200, first.body]);
  expect(first.body.stage).toBe('delivery');
  expect(await count('agreements', { project_id: id })).toBe(1);
  expect(await count('project_events', { project_id: id, kind: 'fundedDirectly' })).toBe(1);
});

test('a milestone completed, then retried after it applied, answers 200 with the same body and one event', async () => {
  const id = await projectIn('delivery');
  const key = `milestone-${id}`;
  const [first, retry] = await sentTwiceAnswerLost(stack, cast.applicant, key, () => as(stack, cast.applicant).post(`/api/v1/projects/${id}/milestones/1/complete`, { note: 'trained' }, { 'Idempotency-Key': key }));
  expectStatus(first, 200);
  expect([retry.status, retry.body]).toEqual([200, first.body]);
  expect(await count('project_events', { project_id: id, kind: 'milestoneCompleted' })).toBe(1);
});

test('a long service record retried after it applied answers 201 with the same record, not 422 for its own hours, and credits the time bank once', async () => {
  const id = await projectIn('delivery');
  const v = await volunteer('赵敏');
  const key = `long-shift-${id}`;
  const body = { activity: 'Overnight care', heldOn: inDays(1), place: 'Care home', peopleServed: 2, volunteers: [{ volunteerId: v, hours: 14 }] };
  const [first, retry] = await sentTwiceAnswerLost(stack, cast.applicant, key, () => as(stack, cast.applicant).post(`/api/v1/projects/${id}/service-records`, body, { 'Idempotency-Key': key }));
  expectStatus(first, 201);
  expect([retry.status, retry.body]).toEqual([201, first.body]);
  expect(await stack.db('service_records').where({ project_id: id }).select('id')).toEqual([{ id: first.body.id }]);
  expect(await stack.db('time_bank_entries').where({ volunteer_id: v }).select(stack.db.raw('count(*)::int as n, sum(hours)::float as hours')).first()).toEqual({ n: 1, hours: 14 });
});

test('a service record answered 503 that then applied is answered 201 with its record on the retry with the same key', async () => {
  const id = await projectIn('delivery');
  const v = await volunteer('钱进');
  const key = `unavailable-shift-${id}`;
  const send = () => as(stack, cast.applicant).post(`/api/v1/projects/${id}/service-records`, { activity: 'Night watch', heldOn: today(), place: 'Block 2', peopleServed: 4, volunteers: [{ volunteerId: v, hours: 13 }] }, { 'Idempotency-Key': key });
  await answeredUnavailableThenApplied(stack, send, async () => {
    expect(await count('service_records', { project_id: id })).toBe(1);
  });
  const retry = expectStatus(await send(), 201);
  expect(await stack.db('service_records').where({ project_id: id }).select('id')).toEqual([{ id: retry.body.id }]);
  expect(retry.body.live.stage).toBe('delivery');
  expect(await count('time_bank_entries', { volunteer_id: v })).toBe(1);
});

test('spending retried after it applied answers 201 with the same entry, even when the spending turned the project red', async () => {
  const id = await projectIn('delivery');
  const key = `spend-${id}`;
  const [first, retry] = await sentTwiceAnswerLost(stack, cast.applicant, key, () =>
    as(stack, cast.applicant).post(`/api/v1/projects/${id}/spending`, { budgetItem: 'Activities', amountFen: 4_000_000, spentOn: today() }, { 'Idempotency-Key': key }),
  );
  expectStatus(first, 201);
  expect(first.body.live).toMatchObject({ colour: 'red', stage: 'rectification' });
  expect([retry.status, retry.body]).toEqual([201, first.body]);
  expect(await count('spending_entries', { project_id: id })).toBe(1);
});
