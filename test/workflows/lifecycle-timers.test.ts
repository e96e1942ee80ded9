import { startStack, createUser, type Stack, type TestUser } from '../helpers/stack';
import { as, eventually } from '../helpers/api';
import { seedProgramme, testRules, type Seeded } from '../helpers/projects';
import { agreementTerms, createProject, expectStatus, rubricScores, seedNeed } from '../helpers/lifecycle';

// Second-long durations: a reviewer is reminded after 1 s and late after 2 s; a revision expires after
// 2 s; a report is due every 3 s with 1 s of grace; 1 overdue report is yellow, 2 are red; a
// rectification is due 2 s after it opens.
const base = testRules();
const rules = testRules({
  review: { ...base.review, panelSize: 1, reviewerReminder: 'PT1S', reviewerDeadline: 'PT2S', revisionDeadline: 'PT2S' },
  monitoring: {
    ...base.monitoring,
    reportInterval: 'PT3S',
    reportGrace: 'PT1S',
    colour: { ...base.monitoring.colour, overdueReports: { blue: 1, yellow: 1, red: 2 }, rectificationDeadline: 'PT2S' },
  },
});

let stack: Stack;
let s: Seeded;
let needId: string;
let applicant: TestUser;
let officer: TestUser;
let reviewer: TestUser;
let reviewer2: TestUser;

beforeAll(async () => {
  stack = await startStack();
  s = await seedProgramme(stack, rules);
  needId = await seedNeed(stack, s.communityId);
  [applicant, officer, reviewer, reviewer2] = await Promise.all([
    createUser(stack, ['applicant'], { organisationId: s.organisationId }),
    createUser(stack, ['officer'], { regionId: s.cityId }),
    createUser(stack, ['reviewer']),
    createUser(stack, ['reviewer']),
  ]);
});
afterAll(async () => {
  await stack.close();
});

// Timers fire after seconds, but a busy machine may delay a workflow task by much more: every wait is on the
// event the timer writes (its row in project_events), with a bound generous enough to be slow, never red.
const WAIT = 120_000;
jest.setTimeout(6 * WAIT);
const openTasks = async (user: TestUser, projectId: string) =>
  (await as(stack, user).get(`/api/v1/me/tasks?projectId=${projectId}`)).body.items.map((t: { kind: string }) => t.kind).sort();
const events = (projectId: string, kind: string) => stack.db('project_events').where({ project_id: projectId, kind }).orderBy('id');
/** Waits for the timer's own event: `n` events of `kind` written for the project. */
const timerFired = (projectId: string, kind: string, n = 1) => eventually(async () => expect((await events(projectId, kind)).length).toBeGreaterThanOrEqual(n), WAIT);

async function inReview(): Promise<string> {
  const id = await createProject(stack, applicant, s, needId);
  expectStatus(await as(stack, applicant).post(`/api/v1/projects/${id}/design/submit`), 200);
  expectStatus(await as(stack, officer).post(`/api/v1/projects/${id}/review/panel`, { reviewerIds: [reviewer.id] }), 200);
  return id;
}

test('a reviewer who has not scored is reminded, then the officer is asked to reassign; the new reviewer gets fresh deadlines', async () => {
  const id = await inReview();
  await timerFired(id, 'reviewReminder');
  await timerFired(id, 'reviewOverdue');
  // One task per pending action: the reminder takes the place of the score task.
  expect(await openTasks(reviewer, id)).toEqual(['reminder']);
  expect(await stack.db('tasks').where({ key: `${id}:review:1:${reviewer.id}` }).first('status')).toEqual({ status: 'done' });
  expect(await openTasks(officer, id)).toEqual(['reassign_reviewer']);
  expect((await events(id, 'reviewReminder')).map((e) => [e.actor_id, e.data.reviewerId])).toEqual([[null, reviewer.id]]);
  expect((await events(id, 'reviewOverdue')).map((e) => [e.actor_id, e.data.reviewerId])).toEqual([[null, reviewer.id]]);

  const moved = await as(stack, officer).post(`/api/v1/projects/${id}/review/reassign`, { fromReviewerId: reviewer.id, toReviewerId: reviewer2.id });
  expect(moved.status).toBe(200);
  expect(moved.body.panel.map((p: { reviewerId: string; reminded: boolean }) => [p.reviewerId, p.reminded])).toEqual([[reviewer2.id, false]]);
  expect(await openTasks(reviewer, id)).toEqual([]);
  expect(await openTasks(officer, id)).toEqual([]);
  expect(await stack.db('review_assignments').where({ project_id: id }).orderBy('status').select('reviewer_id', 'status')).toEqual([
    { reviewer_id: reviewer2.id, status: 'assigned' },
    { reviewer_id: reviewer.id, status: 'replaced' },
  ]);
  // The timers start again for the new reviewer.
  await timerFired(id, 'reviewReminder', 2);
  expect(await openTasks(reviewer2, id)).toEqual(['reminder']);
  expectStatus(await as(stack, reviewer2).put(`/api/v1/projects/${id}/review/score`, { scores: rubricScores(s.rules), comments: 'late but good' }), 200);
  expect(await openTasks(reviewer2, id)).toEqual([]);
  expect((await events(id, 'reviewReminder')).map((e) => e.data.reviewerId)).toEqual([reviewer.id, reviewer2.id]);
});

test('a proposal sent back for revision and not resubmitted in time is withdrawn automatically, by no one', async () => {
  const id = await inReview();
  expectStatus(await as(stack, reviewer).put(`/api/v1/projects/${id}/review/score`, { scores: rubricScores(s.rules, 4), comments: 'revise' }), 200);
  expectStatus(await as(stack, officer).post(`/api/v1/projects/${id}/review/decision`, { decision: 'revise', comment: 'two seconds, go' }), 200);
  expect(await openTasks(applicant, id)).toEqual(['revise_design']);
  await timerFired(id, 'withdrawn');
  expect((await stack.db('projects').where({ id }).first('stage')).stage).toBe('withdrawn');
  const withdrawn = await events(id, 'withdrawn');
  expect(withdrawn.map((e) => ({ actor: e.actor_id, from: e.data.from, reason: e.data.reason }))).toEqual([{ actor: null, from: 'revision', reason: 'no resubmission before the revision deadline' }]);
  expect(await stack.db('tasks').where({ project_id: id, status: 'open' })).toEqual([]);
  const late = await as(stack, applicant).post(`/api/v1/projects/${id}/design/submit`);
  expect([late.status, late.body.currentStage]).toEqual([409, 'withdrawn']);
});

test('overdue monthly reports send reminders and turn the grade yellow then red, which opens a rectification; a late report is kept as late', async () => {
  const id = await inReview();
  expectStatus(await as(stack, reviewer).put(`/api/v1/projects/${id}/review/score`, { scores: rubricScores(s.rules), comments: 'fund' }), 200);
  expectStatus(await as(stack, officer).post(`/api/v1/projects/${id}/review/decision`, { decision: 'approve', comment: '' }), 200);
  const funded = await as(stack, officer).post(`/api/v1/projects/${id}/agreement`, agreementTerms());
  expect(funded.status).toBe(200);
  expect(funded.body.reports.map((r: { period: number }) => r.period)).toEqual([1]);

  // Period 1 is due after 3 s + 1 s of grace: a reminder task and a yellow grade with its reason.
  await eventually(async () => expect(await stack.db('colour_changes').where({ project_id: id, to_colour: 'yellow' })).toHaveLength(1), WAIT);
  expect(await stack.db('tasks').where({ key: `${id}:report-overdue:1` }).first('kind', 'status', 'organisation_id')).toEqual({ kind: 'monthly_report', status: 'open', organisation_id: s.organisationId });
  expect(await openTasks(applicant, id)).toContain('monthly_report');
  const overdue1 = await events(id, 'reportOverdue');
  expect(overdue1.map((e) => [e.actor_id, e.data.period])[0]).toEqual([null, 1]);

  // Period 2 falls due too: red, and red in delivery opens a rectification with a task for the applicant.
  await timerFired(id, 'rectificationOpened');
  expect((await stack.db('projects').where({ id }).first('stage')).stage).toBe('rectification');
  const changes = await stack.db('colour_changes').where({ project_id: id }).orderBy('id').select('from_colour', 'to_colour', 'reasons', 'facts');
  expect(changes.slice(0, 2).map((c) => [c.from_colour, c.to_colour, c.reasons, c.facts.overdueReports])).toEqual([
    // The reasons are kept as catalogue messages, rendered in the reader's language by the API.
    ['green', 'yellow', [{ key: 'colour.reason.overdue-report', params: { count: 1, colour: 'yellow', threshold: 1 } }], 1],
    ['yellow', 'red', [{ key: 'colour.reason.overdue-reports', params: { count: 2, colour: 'red', threshold: 2 } }], 2],
  ]);
  expect((await stack.db('projects').where({ id }).first('colour')).colour).toBe('red');
  const opened = await events(id, 'rectificationOpened');
  expect(opened.map((e) => [e.actor_id, e.data.cause])).toEqual([[null, 'red_grade']]);
  expect(await stack.db('rectifications').where({ project_id: id }).select('cause', 'status')).toEqual([{ cause: 'red_grade', status: 'open' }]);
  expect(await openTasks(applicant, id)).toEqual(expect.arrayContaining(['monthly_report', 'rectification_plan']));

  // Reporting still goes on during the rectification; the late report is marked late and its reminder done.
  const report = await as(stack, applicant).post(`/api/v1/projects/${id}/reports`, { period: 1, summary: 'Month one, late', indicatorProgress: [{ name: 'home visits', achieved: 3 }] });
  expect(report.status).toBe(201);
  expect(await stack.db('monthly_reports').where({ project_id: id }).select('period', 'late')).toEqual([{ period: 1, late: true }]);
  expect((await events(id, 'monthlyReportSubmitted')).map((e) => e.data)).toEqual([{ period: 1, late: true }]);
  expect(await stack.db('tasks').where({ key: `${id}:report-overdue:1` }).first('status')).toEqual({ status: 'done' });

  // The rectification has no plan 2 s later: the officer is told.
  await timerFired(id, 'rectificationOverdue');
  expect(await openTasks(officer, id)).toContain('rectification_overdue');
  expect(await events(id, 'rectificationOverdue')).toHaveLength(1);
});
