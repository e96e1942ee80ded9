import fs from 'node:fs';
import path from 'node:path';
import type { History } from '@temporalio/common/lib/proto-utils';
import type { Response } from 'supertest';
import { startStack, createUser, type Stack, type TestUser } from '../helpers/stack';
import { as, eventually } from '../helpers/api';
import { seedProgramme, testRules, type Seeded } from '../helpers/projects';
import { agreementTerms, createProject, expectStatus, indicatorScores, rubricScores, seedNeed, today } from '../helpers/lifecycle';
import { projectWorkflowId } from '../../api/projects/service';
import { bundleVariant, currentWorkflowCode, eventTypes, historyFromJson, recordHistory, replayAll } from '../helpers/histories';

// Determinism guard: every history under histories/ (recorded from a full lifecycle, one per release of the
// workflow code) must replay on the current workflow code. Histories are kept, never overwritten: after a
// change to the workflow, add one recorded from the new code under a new name with
//   RECORD_HISTORIES=<release> npx jest --selectProjects integration --testPathPatterns replay
// which writes histories/project-lifecycle-<release>.json and refuses a name already taken.
const HISTORIES = path.join(__dirname, 'histories');
const FULL = path.join(HISTORIES, 'project-lifecycle-full.json');

// Reminders, deadlines and reports in seconds, so the history holds fired timers; overdue reports stay below red.
const base = testRules();
const rules = testRules({
  review: { ...base.review, reviewerReminder: 'PT1S', reviewerDeadline: 'PT2S' },
  monitoring: { ...base.monitoring, reportInterval: 'PT2S', reportGrace: 'PT1S', colour: { ...base.monitoring.colour, overdueReports: { blue: 1, yellow: 50, red: 100 } } },
});

// A full lifecycle with real timers, then replays and a bundle: slow on a busy machine, so a generous bound.
jest.setTimeout(300_000);

let stack: Stack;
let s: Seeded;
const who = {} as Record<'applicant' | 'officer' | 'reviewer' | 'supervisor' | 'evaluator', TestUser>;

beforeAll(async () => {
  stack = await startStack();
  s = await seedProgramme(stack, rules);
  const [applicant, officer, reviewer, supervisor, evaluator] = await Promise.all([
    createUser(stack, ['applicant'], { organisationId: s.organisationId }),
    createUser(stack, ['officer'], { regionId: s.cityId }),
    createUser(stack, ['reviewer']),
    createUser(stack, ['supervisor']),
    createUser(stack, ['evaluator']),
  ]);
  Object.assign(who, { applicant, officer, reviewer, supervisor, evaluator });
});
afterAll(async () => {
  await stack.close();
});

const eventsOf = (projectId: string, kind: string) => stack.db('project_events').where({ project_id: projectId, kind });

/** One project through every stage and most moves, with timers firing on the way; answers its workflow's history. */
async function fullLifecycle(): Promise<{ workflowId: string; history: History }> {
  const app = as(stack, who.applicant);
  const off = as(stack, who.officer);
  const rev = as(stack, who.reviewer);
  const ev = as(stack, who.evaluator);
  const id = await createProject(stack, who.applicant, s, await seedNeed(stack, s.communityId));
  const ok = async (res: PromiseLike<Response>, status = 200) => expectStatus(await res, status);

  await ok(app.post(`/api/v1/projects/${id}/design/submit`));
  await ok(off.post(`/api/v1/projects/${id}/review/panel`, { reviewerIds: [who.reviewer.id] }));
  await eventually(async () => expect(await eventsOf(id, 'reviewReminder')).toHaveLength(1), 15_000);
  await ok(rev.put(`/api/v1/projects/${id}/review/score`, { scores: rubricScores(rules, 4), comments: 'revise' }));
  await ok(off.post(`/api/v1/projects/${id}/review/decision`, { decision: 'revise', comment: 'more detail' }));
  await ok(app.post(`/api/v1/projects/${id}/design/submit`));
  await ok(off.post(`/api/v1/projects/${id}/review/panel`, {}));
  await ok(rev.put(`/api/v1/projects/${id}/review/score`, { scores: rubricScores(rules, 1), comments: 'good' }));
  await ok(off.post(`/api/v1/projects/${id}/review/decision`, { decision: 'approve', comment: 'fund it' }));
  await ok(off.post(`/api/v1/projects/${id}/agreement`, agreementTerms()));

  const volunteer = (await ok(app.post('/api/v1/volunteers', { name: '赵敏' }), 201)).body.id;
  await ok(app.post(`/api/v1/projects/${id}/service-records`, { activity: 'Home visits', heldOn: today(), place: 'Block 5', peopleServed: 6, volunteers: [{ volunteerId: volunteer, hours: 2 }] }), 201);
  await ok(app.post(`/api/v1/projects/${id}/spending`, { budgetItem: 'Activities', amountFen: 120_000, spentOn: today() }), 201);
  await ok(app.post(`/api/v1/projects/${id}/milestones/1/complete`, { note: 'team trained' }));
  await eventually(async () => expect((await eventsOf(id, 'reportOverdue')).length).toBeGreaterThan(0), 15_000);
  await ok(app.post(`/api/v1/projects/${id}/reports`, { period: 1, summary: 'Month one', indicatorProgress: [{ name: 'home visits', achieved: 30 }] }), 201);
  await ok(off.post(`/api/v1/projects/${id}/supervisor`, { supervisorId: who.supervisor.id }));
  await ok(as(stack, who.supervisor).post(`/api/v1/projects/${id}/supervision-visits`, { visitedOn: today(), scores: Object.fromEntries(rules.monitoring.supervisionDimensions.map((d) => [d.key, 85])) }), 201);
  await ok(off.post(`/api/v1/projects/${id}/complaints`, { receivedOn: today(), description: 'late start' }), 201);
  await ok(off.post(`/api/v1/projects/${id}/quarterly-reviews`, { quarter: '2026-Q4', heldOn: today(), notes: 'on track' }), 201);
  await ok(off.post(`/api/v1/projects/${id}/evaluations`, { kind: 'mid_term', evaluatorId: who.evaluator.id }));
  await ok(ev.put(`/api/v1/projects/${id}/evaluations/mid_term`, { scores: indicatorScores(rules, 78), comments: 'fair' }));
  await ok(off.post(`/api/v1/projects/${id}/evaluations`, { kind: 'final', evaluatorId: who.evaluator.id }));
  await ok(ev.put(`/api/v1/projects/${id}/evaluations/final`, { scores: indicatorScores(rules, 40), comments: 'behind' }));
  await ok(off.post(`/api/v1/projects/${id}/rectification`, { reason: 'outcomes behind' }));
  await ok(app.post(`/api/v1/projects/${id}/rectification/plan`, { plan: 'more visits' }));
  await ok(off.post(`/api/v1/projects/${id}/rectification/complete`, { note: 'checked' }));
  await ok(ev.put(`/api/v1/projects/${id}/evaluations/final`, { scores: indicatorScores(rules, 88), comments: 'recovered' }));
  await ok(off.post(`/api/v1/projects/${id}/close`, { finalReport: 'closed after rectification' }));

  const workflowId = projectWorkflowId(id);
  const handle = stack.client.workflow.getHandle(workflowId);
  expect((await handle.result()).stage).toBe('closed');
  return { workflowId, history: await handle.fetchHistory() };
}

test('every recorded lifecycle history, and one recorded now, replays on the current workflow code; a non-deterministic change fails', async () => {
  const fresh = await fullLifecycle();
  const types = eventTypes(fresh.history);
  // A full lifecycle: updates accepted and completed, activities, timers fired, and the workflow completed.
  for (const t of ['EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED', 'EVENT_TYPE_ACTIVITY_TASK_COMPLETED', 'EVENT_TYPE_TIMER_FIRED', 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED']) {
    expect(types).toContain(t);
  }
  if (process.env.RECORD_HISTORIES) recordHistory(HISTORIES, 'project-lifecycle', process.env.RECORD_HISTORIES, fresh.history);

  const files = fs.readdirSync(HISTORIES).filter((f) => f.endsWith('.json')).sort();
  expect(files).toContain(path.basename(FULL));
  const recorded = files.map((f) => ({ workflowId: `recorded:${f}`, history: historyFromJson(fs.readFileSync(path.join(HISTORIES, f), 'utf8')) }));
  const all = [...recorded, fresh];
  expect(await replayAll({ ...currentWorkflowCode(), replayName: 'determinism-guard' }, all)).toEqual(all.map((h) => ({ workflowId: h.workflowId, error: null })));

  // The guard can fail: the same histories on a lifecycle that starts with an extra timer do not replay.
  const changed = await bundleVariant(require.resolve('./fixtures/nondeterministic-lifecycle'));
  const broken = await replayAll({ workflowBundle: changed, replayName: 'determinism-guard-control' }, all);
  expect(broken.map((r) => r.error)).toEqual(all.map(() => expect.stringMatching(/DeterminismViolation|[Nn]ondetermin/)));
});
