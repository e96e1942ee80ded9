// Issue 10 §1: an officer can terminate (终止) a project from any stage that has not ended, with a reason: the
// workflow ends, open tasks close, unreleased tranches are held, and the timeline and the audit log keep why.
import { startStack, createUser, type Stack, type TestUser } from '../helpers/stack';
import { as, eventually } from '../helpers/api';
import { seedProgramme, type Seeded } from '../helpers/projects';
import { createCast, createProject, driveTo, expectStatus, seedNeed, today, type Cast } from '../helpers/lifecycle';
import { projectWorkflowId } from '../../api/projects/ids';
import { sentTwiceAnswerLost } from '../helpers/retry';

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

const off = () => as(stack, cast.officer);
const workflowStatus = async (id: string) => (await stack.client.workflow.getHandle(projectWorkflowId(id)).describe()).status.name;

test('a project in rectification is terminated with its reason: the workflow completes, tasks close, the rectification ends, unreleased tranches are held', async () => {
  const id = await createProject(stack, cast.applicant, s, needId);
  await driveTo(stack, cast, s.rules, id, 'delivery');
  expectStatus(await off().post(`/api/v1/projects/${id}/supervisor`, { supervisorId: supervisor.id }), 200);
  expectStatus(await off().post(`/api/v1/projects/${id}/tranches/1/release`, {}), 201);
  const red = expectStatus(await as(stack, cast.applicant).post(`/api/v1/projects/${id}/spending`, { budgetItem: 'Activities', amountFen: 4_000_000, spentOn: today() }), 201);
  expect(red.body.live.stage).toBe('rectification');
  expect(await stack.db('tasks').where({ project_id: id, status: 'open' }).count({ n: '*' }).first()).not.toEqual({ n: '0' });

  const key = `terminate-${id}`;
  const [res, retry] = await sentTwiceAnswerLost(stack, cast.officer, key, () => off().post(`/api/v1/projects/${id}/termination`, { reason: 'the organisation dissolved' }, { 'Idempotency-Key': key }));
  expectStatus(res, 200);
  expect(res.body).toMatchObject({ stage: 'terminated', rectification: null, pendingActions: [], openDeadlines: [] });
  // The retry after it applied answers the applied termination, not a refusal for the stage it made.
  expect([retry.status, retry.body]).toEqual([200, res.body]);

  expect(await stack.db('projects').where({ id }).first('stage')).toEqual({ stage: 'terminated' });
  await eventually(async () => expect(await workflowStatus(id)).toBe('COMPLETED'));
  expect(await stack.db('tasks').where({ project_id: id, status: 'open' })).toEqual([]);
  expect(await stack.db('rectifications').where({ project_id: id }).select('status')).toEqual([{ status: 'ended' }]);
  const event = await stack.db('project_events').where({ project_id: id, kind: 'terminated' }).first('actor_id', 'data');
  expect(event).toEqual({ actor_id: cast.officer.id, data: { from: 'rectification', reason: 'the organisation dissolved', heldTranches: [{ seq: 2, name: 'final', amountFen: 2_000_000 }], heldFen: 2_000_000 } });
  expect(await stack.db('audit_log').where({ object_id: id, action: 'terminate-project' }).select('actor_id', 'before', 'after')).toEqual([
    { actor_id: cast.officer.id, before: { stage: 'rectification' }, after: { stage: 'terminated', reason: 'the organisation dissolved', heldTranches: [{ seq: 2, name: 'final', amountFen: 2_000_000 }], heldFen: 2_000_000 } },
  ]);
  const timeline = expectStatus(await off().get(`/api/v1/projects/${id}/timeline`), 200).body.items;
  expect(timeline.at(-1)).toMatchObject({ kind: 'terminated', data: { reason: 'the organisation dissolved' } });

  // The held tranche stays held.
  const release = await off().post(`/api/v1/projects/${id}/tranches/2/release`, {});
  expect([release.status, release.body.currentStage]).toEqual([409, 'terminated']);
  const tranches = expectStatus(await off().get(`/api/v1/projects/${id}/tranches`), 200).body;
  expect(tranches.items.map((t: { seq: number; releasableFen: number | null }) => [t.seq, t.releasableFen])).toEqual([[1, 3_000_000], [2, 0]]);
  expect(await stack.db('tranche_releases').where({ project_id: id }).count({ n: '*' }).first()).toEqual({ n: '1' });

  // Terminated for good: every move, a second termination included, answers 409 naming the stage.
  const again = await off().post(`/api/v1/projects/${id}/termination`, { reason: 'twice' });
  expect([again.status, again.body.currentStage]).toEqual([409, 'terminated']);
  const report = await as(stack, cast.applicant).post(`/api/v1/projects/${id}/reports`, { period: 1, summary: 'late', indicatorProgress: [] });
  expect([report.status, report.body.currentStage]).toEqual([409, 'terminated']);
  const supervise = await off().post(`/api/v1/projects/${id}/supervisor`, { supervisorId: supervisor.id });
  expect([supervise.status, supervise.body.currentStage]).toEqual([409, 'terminated']);
  expect(expectStatus(await off().get(`/api/v1/projects/${id}`), 200).body).toMatchObject({ stage: 'terminated', live: null });
});

test.each(['design', 'review', 'approved', 'evaluation'] as const)('a project in %s can be terminated, and its workflow ends', async (stage) => {
  const id = await createProject(stack, cast.applicant, s, needId);
  await driveTo(stack, cast, s.rules, id, stage);
  const res = expectStatus(await off().post(`/api/v1/projects/${id}/termination`, { reason: `stopped in ${stage}` }), 200);
  expect(res.body.stage).toBe('terminated');
  expect(await stack.db('project_events').where({ project_id: id, kind: 'terminated' }).first('data')).toMatchObject({ data: { from: stage, reason: `stopped in ${stage}` } });
  expect(await stack.db('tasks').where({ project_id: id, status: 'open' })).toEqual([]);
  await eventually(async () => expect(await workflowStatus(id)).toBe('COMPLETED'));
});

test('a closed project cannot be terminated: 409 naming "closed"; an applicant may not terminate (403); a reason is required (400)', async () => {
  const id = await createProject(stack, cast.applicant, s, needId);
  await driveTo(stack, cast, s.rules, id, 'closed');
  const res = await off().post(`/api/v1/projects/${id}/termination`, { reason: 'too late' });
  expect([res.status, res.body.currentStage]).toEqual([409, 'closed']);
  expect(await stack.db('project_events').where({ project_id: id, kind: 'terminated' })).toEqual([]);

  const open = await createProject(stack, cast.applicant, s, needId);
  expect((await as(stack, cast.applicant).post(`/api/v1/projects/${open}/termination`, { reason: 'mine' })).status).toBe(403);
  const noReason = await off().post(`/api/v1/projects/${open}/termination`, {});
  expect([noReason.status, noReason.body.errors?.[0]?.field]).toEqual([400, '/body/reason']);
  expect(await stack.db('projects').where({ id: open }).first('stage')).toEqual({ stage: 'design' });
});

