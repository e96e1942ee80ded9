// Issue 9: a service record is written by the project's workflow (its activity keyed by the update id, which is the
// Idempotency-Key). The API process is killed (SIGKILL) 25 ms after it sent the update, before it can answer; the
// client's retry with the same key must reach the same update: one record, one time-bank credit, and the record as
// the answer.
import { startStack, createUser, type Stack } from '../helpers/stack';
import { as, eventually } from '../helpers/api';
import { seedProgramme, type Seeded } from '../helpers/projects';
import { createCast, createProject, driveTo, expectStatus, seedNeed, today, type Cast } from '../helpers/lifecycle';
import { crashApi } from '../helpers/crash';
import { projectWorkflowId } from '../../api/projects/service';
import { getState } from '../../workflows/messages';

/** Starting the API in a child process compiles it through tsx: slow on a busy machine. */
const CHILD_TIMEOUT_MS = 300_000;

let stack: Stack;
let s: Seeded;
let cast: Cast;
let projectId: string;

beforeAll(async () => {
  stack = await startStack();
  s = await seedProgramme(stack);
  cast = await createCast(stack, s);
  projectId = await createProject(stack, cast.applicant, s, await seedNeed(stack, s.communityId));
  await driveTo(stack, cast, s.rules, projectId, 'delivery');
}, CHILD_TIMEOUT_MS);
afterAll(async () => {
  await stack.close();
});

const count = async (table: string, where: Record<string, unknown>) => Number((await stack.db(table).where(where).count({ n: '*' }).first())?.n ?? 0);

test('the API is killed just after it sent the service record\'s update: the record and its time-bank credit are written once, and the retry with the same key answers that record', async () => {
  const app = as(stack, cast.applicant);
  const volunteerId = expectStatus(await app.post('/api/v1/volunteers', { name: '何静' }), 201).body.id as string;
  const url = `/api/v1/projects/${projectId}/service-records`;
  const body = { activity: 'Home visits', heldOn: today(), startTime: '14:00', place: 'Building 3', peopleServed: 12, volunteers: [{ volunteerId, hours: 2.5 }] };
  const key = 'crash-service-record-1';
  const records = () => stack.db('service_records').where({ project_id: projectId, activity: 'Home visits' }).select('id');
  const credits = () => stack.db('time_bank_entries').where({ volunteer_id: volunteerId }).select('service_record_id', stack.db.raw('hours::float as hours'), 'points');

  const crash = await crashApi(stack, { taskQueue: stack.taskQueue }, { method: 'POST', path: url, body, token: cast.applicant.token, key });
  expect(crash).toEqual({ answered: false, signal: 'SIGKILL' });
  // Nobody is left to answer; the engine and the worker finish the update the dead process sent.
  await eventually(async () => expect(await records()).toHaveLength(1), 60_000);
  const [{ id: recordId }] = await records();
  expect(await credits()).toEqual([{ service_record_id: recordId, hours: 2.5, points: 25 }]);

  // The dead process's claim on the key answers 409 with Retry-After until it is taken over (a minute).
  const retry = () => as(stack, cast.applicant).post(url, body, { 'Idempotency-Key': key });
  const held = await retry();
  expect(held.status).toBe(409);
  expect(Number(held.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  // The minute passes (the claim's clock is moved back rather than waited out); the retry reaches the same update.
  await stack.db('idempotency_keys').where({ user_id: cast.applicant.id, key }).update({ created_at: new Date(Date.now() - 61_000) });
  const retried = await retry();
  expect({ status: retried.status, id: retried.body.id }).toEqual({ status: 201, id: recordId });
  // Once answered, the key replays that answer.
  const replayed = await retry();
  expect({ status: replayed.status, id: replayed.body.id, replayed: replayed.headers['idempotent-replayed'] }).toEqual({ status: 201, id: recordId, replayed: 'true' });

  expect(await records()).toEqual([{ id: recordId }]);
  expect(await count('volunteer_shifts', { service_record_id: recordId })).toBe(1);
  expect(await credits()).toEqual([{ service_record_id: recordId, hours: 2.5, points: 25 }]);
  expect(await count('project_events', { project_id: projectId, kind: 'serviceRecorded' })).toBe(1);
  const account = expectStatus(await as(stack, await createUser(stack, ['admin'])).get(`/api/v1/volunteers/${volunteerId}/time-bank`), 200).body;
  expect(account).toMatchObject({ hours: 2.5, balance: 25 });
  expect(await stack.client.workflow.getHandle(projectWorkflowId(projectId)).query(getState)).toMatchObject({ stage: 'delivery' });
}, CHILD_TIMEOUT_MS);
