import { startStack, type Stack } from '../helpers/stack';
import { as, eventually } from '../helpers/api';
import { seedProgramme, seedApprovedProject, type Seeded } from '../helpers/projects';
import { createCast, seedNeed, type Cast } from '../helpers/lifecycle';
import { contestBody, contestCast, openContest, type ContestCast } from '../helpers/contests';
import { projectWorkflowId } from '../../api/projects/service';
import { createProject, newProjectId } from '../../api/projects/creation';
import { sampleProposal } from '../helpers/projects';
import { getState } from '../../workflows/messages';
import { crashApi } from '../helpers/crash';

// The two writes that span PostgreSQL and Temporal are each one durable operation (docs/workflows.md). These
// tests cut them where a crash could fall and show the state converging: rows and workflow together, once.

let stack: Stack;
let s: Seeded;
let cast: Cast;
let contest: ContestCast;

beforeAll(async () => {
  stack = await startStack();
  s = await seedProgramme(stack);
  cast = await createCast(stack, s);
  contest = await contestCast(stack, s);
});
afterAll(async () => {
  await stack.close();
});

const count = async (table: string, where: Record<string, unknown>) => Number((await stack.db(table).where(where).count({ n: '*' }).first())?.n);

test('when the API is gone right after its one call to create a project, the workflow writes the rows once the worker runs; a retry with the same key makes nothing new', async () => {
  const needId = await seedNeed(stack, s.communityId);
  const body = { title: 'Crash-safe companions', regionId: s.communityId, needIds: [needId], proposal: sampleProposal(5_000_000) };
  const projectId = newProjectId(`${cast.applicant.id}:crash-create`);
  const handle = stack.client.workflow.getHandle(projectWorkflowId(projectId));

  await stack.stopWorker();
  // The request's only step reaches the engine; the process answering it then counts as dead: nobody awaits it.
  const orphan = as(stack, cast.applicant).post(`/api/v1/programmes/${s.programmeId}/projects`, body, { 'Idempotency-Key': 'crash-create' }).then((r) => r.status, () => 0);
  await eventually(async () => expect((await handle.describe()).status.name).toBe('RUNNING'), 60_000);
  // Between the steps of the old code a crash left rows without a workflow; here nothing is written yet, and nothing half.
  expect(await count('projects', { id: projectId })).toBe(0);
  expect(await count('audit_log', { object_type: 'project', object_id: projectId })).toBe(0);

  await stack.startWorker();
  await eventually(async () => expect(await count('projects', { id: projectId })).toBe(1), 60_000);
  expect(await count('project_needs', { project_id: projectId })).toBe(1);
  expect(await count('audit_log', { object_type: 'project', object_id: projectId, action: 'create' })).toBe(1);
  expect(await handle.query(getState)).toMatchObject({ projectId, stage: 'design', version: 0 });
  expect([201, 503]).toContain(await orphan);

  // The client retries (the same key gives the same project id and update id): the same project, nothing written twice.
  const again = await createProject(stack.deps, {
    projectId, actorId: cast.applicant.id, rules: s.rules,
    project: { programmeId: s.programmeId, organisationId: s.organisationId, region: { id: s.communityId, level: 'community', path: s.communityPath }, title: body.title, summary: '', targetGroups: body.proposal.targetGroups, amountAskedFen: body.proposal.amountAskedFen, draft: body.proposal, needIds: [needId], requestId: null },
  }, `${cast.applicant.id}:crash-create`);
  expect(again).toMatchObject({ projectId, stage: 'design' });
  expect(await count('projects', { id: projectId })).toBe(1);
  expect(await count('audit_log', { object_type: 'project', object_id: projectId })).toBe(1);
}, 180_000);

test('when the API process is killed (SIGKILL) just after it sent the update-with-start, the project converges: rows and workflow once; the retry gets the same project', async () => {
  const needId = await seedNeed(stack, s.communityId);
  const body = { title: 'Killed mid-create', regionId: s.communityId, needIds: [needId], proposal: sampleProposal(4_000_000) };
  const projectId = newProjectId(`${cast.applicant.id}:killed-create`);
  const crash = await crashApi(stack, { taskQueue: stack.taskQueue }, { method: 'POST', path: `/api/v1/programmes/${s.programmeId}/projects`, body, token: cast.applicant.token, key: 'killed-create' });
  expect(crash).toEqual({ answered: false, signal: 'SIGKILL' });
  // Nobody is left to answer; the engine and the worker finish the operation the dead process started.
  await eventually(async () => expect(await count('projects', { id: projectId })).toBe(1), 60_000);
  expect(await count('audit_log', { object_type: 'project', object_id: projectId, action: 'create' })).toBe(1);
  // The dead process's claim on the key answers 409 with Retry-After until it is taken over (a minute); then the
  // retry reaches the same update and answers the project.
  const retry = () => as(stack, cast.applicant).post(`/api/v1/programmes/${s.programmeId}/projects`, body, { 'Idempotency-Key': 'killed-create' });
  const held = await retry();
  expect(held.status).toBe(409);
  expect(Number(held.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  // The minute passes (the claim's clock is moved back rather than waited out).
  await stack.db('idempotency_keys').where({ user_id: cast.applicant.id, key: 'killed-create' }).update({ created_at: new Date(Date.now() - 61_000) });
  const retried = await retry();
  expect({ status: retried.status, body: retried.body }).toMatchObject({ status: 201, body: { id: projectId } });
  expect(await count('projects', { id: projectId })).toBe(1);
  expect(await count('audit_log', { object_type: 'project', object_id: projectId, action: 'create' })).toBe(1);
  expect(await stack.client.workflow.getHandle(projectWorkflowId(projectId)).query(getState)).toMatchObject({ projectId, stage: 'design' });
}, 300_000);

test('when the entry write dies mid-transaction (its database connection killed), the retried activity writes the entry and the move together, once', async () => {
  const projectId = await seedApprovedProject(stack, s, contest.reviewer.id);
  const contestId = await openContest(stack, contest.organiser, contestBody(s));

  // Hold the contest row so the entry's transaction waits inside the activity, then kill its connection there.
  const blocker = await stack.db.transaction();
  let pending: Promise<Awaited<ReturnType<ReturnType<typeof as>['post']>>>;
  try {
    await blocker('contests').where({ id: contestId }).forUpdate().first('id');
    // then(): supertest sends a request only once it is awaited.
    pending = as(stack, contest.organiser).post(`/api/v1/contests/${contestId}/entries`, { projectId, trackKey: 'elderly' }).then((r) => r);
    const waiting = await eventually(async () => {
      const rows = (await stack.db.raw(`select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike '%contests%'`)).rows as { pid: number }[];
      expect(rows.length).toBeGreaterThan(0);
      return rows;
    }, 60_000);
    for (const { pid } of waiting) await stack.db.raw('select pg_terminate_backend(?)', [pid]);
    // Killed mid-transaction: neither the entry nor the move is there.
    expect(await count('contest_entries', { contest_id: contestId, project_id: projectId })).toBe(0);
    expect((await stack.db('projects').where({ id: projectId }).first('stage')).stage).toBe('approved');
  } finally {
    await blocker.rollback();
  }

  const res = await pending;
  expect(res.status).toBe(201);
  const entries = await stack.db('contest_entries').where({ contest_id: contestId, project_id: projectId }).select('id', 'status');
  expect(entries).toEqual([{ id: res.body.id, status: 'entered' }]);
  expect((await stack.db('projects').where({ id: projectId }).first('stage')).stage).toBe('in_contest');
  expect(await count('project_events', { project_id: projectId, kind: 'enteredContest' })).toBe(1);
  expect(await count('audit_log', { object_type: 'contest_entry', object_id: res.body.id })).toBe(1);
  expect(await stack.client.workflow.getHandle(projectWorkflowId(projectId)).query(getState)).toMatchObject({ stage: 'in_contest', contestId });
}, 180_000);
