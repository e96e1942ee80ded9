import crypto from 'node:crypto';
import type { Response } from 'supertest';
import { startStack, createUser, type Stack, type TestUser } from '../helpers/stack';
import { as, eventually } from '../helpers/api';
import { seedProgramme, testRules, type Seeded } from '../helpers/projects';
import { agreementTerms, createProject, expectStatus, indicatorScores, rubricScores, seedNeed, today } from '../helpers/lifecycle';
import { executeProjectUpdate } from '../../api/projects/service';
import { acceptRescoping, awardContest, declineRescoping, enterContest, leaveContest, type ProjectState } from '../../workflows/messages';
import { pendingActions } from '../../workflows/project/pending';
import type { TaskSpec } from '../../db/repositories/tasks';

// The inbox invariant: at every step of a lifecycle, what the workflow says is pending (its live state's
// pendingActions) and the project's open tasks are the same set, each task in the inbox of whoever must act.
// Timers run on seconds (reviewer reminders, report periods, quarterly reviews), so every check waits for the
// state and the inbox to agree, with a generous bound: they are written in one transaction, but a query can see a
// move's state while its activity is still writing.

const base = testRules();
const rules = testRules({
  review: { ...base.review, reviewerReminder: 'PT2S', reviewerDeadline: 'PT4S' },
  monitoring: {
    ...base.monitoring, reportInterval: 'PT4S', reportGrace: 'PT2S', quarterlyReviewInterval: 'PT6S',
    colour: { ...base.monitoring.colour, overdueReports: { blue: 50, yellow: 100, red: 200 } },
  },
});
const WAIT = 120_000;
jest.setTimeout(10 * WAIT);

let stack: Stack;
let s: Seeded;
let needId: string;
const who = {} as Record<'applicant' | 'officer' | 'reviewer' | 'supervisor' | 'evaluator', TestUser>;

beforeAll(async () => {
  stack = await startStack();
  s = await seedProgramme(stack, rules);
  needId = await seedNeed(stack, s.communityId);
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

const assignee = (t: { userId?: string | null; role?: string | null; regionPath?: string | null; organisationId?: string | null }) =>
  t.userId ? `user:${t.userId}` : t.role === 'officer' ? `officer@${t.regionPath}` : `${t.role}@${t.organisationId}`;

interface TaskRow { action: string | null; kind: string; user_id: string | null; role: string | null; region_path: string | null; organisation_id: string | null }

/** Waits until the live state's pending actions and the project's open tasks are the same set; answers the open tasks. */
async function inboxMatchesPending(id: string): Promise<TaskRow[]> {
  return eventually(async () => {
    const res = expectStatus(await as(stack, who.officer).get(`/api/v1/projects/${id}`), 200);
    const live = res.body.live as (ProjectState & { pendingActions: { action: string; who: string }[] }) | null;
    const pending = live ? pendingActions(live, { projectId: id, organisationId: s.organisationId, regionPath: s.communityPath, rules }) : [];
    const open: TaskRow[] = await stack.db('tasks').where({ project_id: id, status: 'open' }).select('action', 'kind', 'user_id', 'role', 'region_path', 'organisation_id');
    // A supervisor's standing assignment, and the officers' task to assign one, are no pending actions of the workflow
    // (the supervisor is kept in the database); nothing else is outside the invariant.
    const actions = open.filter((t) => t.kind !== 'supervise' && t.kind !== 'assign_supervisor');
    expect(actions.filter((t) => t.action === null)).toEqual([]);
    expect(actions.map((t) => `${t.action} -> ${assignee({ userId: t.user_id, role: t.role, regionPath: t.region_path, organisationId: t.organisation_id })}`).sort())
      .toEqual(pending.map((a) => `${a.task.key} -> ${assignee(a.task as TaskSpec)}`).sort());
    // The live state names the same actions, for the same people.
    expect(live?.pendingActions ?? []).toEqual(pending.map(({ action, who: w }) => ({ action, who: w })));
    for (const a of pending) expect(a.who === 'officer' || a.who === 'applicant' ? a.task.role : a.task.userId).toBe(a.who);
    return open;
  }, WAIT);
}

const openKinds = async (id: string) => (await inboxMatchesPending(id)).map((t) => t.kind).sort();
const eventOf = (id: string, kind: string, n = 1) =>
  eventually(async () => expect((await stack.db('project_events').where({ project_id: id, kind })).length).toBeGreaterThanOrEqual(n), WAIT);

test('through a whole lifecycle, with a contest left and one awarded, a failed evaluation and its rectification, every pending action is an open task and every open task a pending action', async () => {
  const app = as(stack, who.applicant);
  const off = as(stack, who.officer);
  const rev = as(stack, who.reviewer);
  const ev = as(stack, who.evaluator);
  const ok = async (res: PromiseLike<Response>, status = 200) => expectStatus(await res, status);

  // Creation: the applicant has the design to complete.
  const id = await createProject(stack, who.applicant, s, needId);
  expect(await openKinds(id)).toEqual(['submit_design']);

  await ok(app.post(`/api/v1/projects/${id}/design/submit`));
  expect(await openKinds(id)).toEqual(['assign_panel']);
  await ok(off.post(`/api/v1/projects/${id}/review/panel`, { reviewerIds: [who.reviewer.id] }));
  await inboxMatchesPending(id);
  // The reviewer is reminded, then late: the reminder replaces the score task, and the officer is asked to reassign.
  await eventOf(id, 'reviewOverdue');
  expect(await openKinds(id)).toEqual(['reassign_reviewer', 'reminder']);
  await ok(rev.put(`/api/v1/projects/${id}/review/score`, { scores: rubricScores(rules, 4), comments: 'revise' }));
  expect(await openKinds(id)).toEqual(['decide_review']);
  await ok(off.post(`/api/v1/projects/${id}/review/decision`, { decision: 'revise', comment: 'more detail' }));
  expect(await openKinds(id)).toEqual(['revise_design']);
  await ok(app.post(`/api/v1/projects/${id}/design/submit`));
  await ok(off.post(`/api/v1/projects/${id}/review/panel`, {}));
  await inboxMatchesPending(id);
  await ok(rev.put(`/api/v1/projects/${id}/review/score`, { scores: rubricScores(rules, 1), comments: 'good' }));
  await ok(off.post(`/api/v1/projects/${id}/review/decision`, { decision: 'approve', comment: 'fund it' }));

  // Approved: the officer enters it in a contest or funds it directly.
  expect(await openKinds(id)).toEqual(['fund_or_enter_contest']);
  const contestA = crypto.randomUUID();
  await executeProjectUpdate(stack.deps, id, enterContest, { actorId: who.officer.id, contestId: contestA });
  expect(await openKinds(id)).toEqual([]);
  await executeProjectUpdate(stack.deps, id, leaveContest, { actorId: who.officer.id, contestId: contestA, reason: 'not selected' });
  // Back in the library, the same action is pending again: a new task, the first one stays done.
  expect(await openKinds(id)).toEqual(['fund_or_enter_contest']);
  expect(await stack.db('tasks').where({ project_id: id, kind: 'fund_or_enter_contest' }).orderBy('created_at').select('status')).toEqual([{ status: 'done' }, { status: 'open' }]);
  const contestB = crypto.randomUUID();
  await executeProjectUpdate(stack.deps, id, enterContest, { actorId: who.officer.id, contestId: contestB });
  const terms = { ...agreementTerms(), fundingSources: [{ funderOrganisationId: null, name: 'District civil affairs bureau', kind: 'government' as const, valueFen: 5_000_000 }] };
  await executeProjectUpdate(stack.deps, id, awardContest, { actorId: who.officer.id, contestId: contestB, agreement: terms });

  // Delivery: the first report period opens with its task, which turns into a reminder at the period's end and is
  // overdue after the grace.
  // (Each phase is checked in the task history: on a slow machine the next phase may already have come.)
  const phases = () => stack.db('tasks').where({ project_id: id }).whereLike('action', `${id}:report-%:1`).orderBy('created_at').select('kind');
  await inboxMatchesPending(id);
  expect((await phases())[0]).toEqual({ kind: 'monthly_report_due' });
  await eventOf(id, 'reportPeriodOpened');
  await inboxMatchesPending(id);
  expect((await phases()).slice(0, 2)).toEqual([{ kind: 'monthly_report_due' }, { kind: 'monthly_report_reminder' }]);
  await eventOf(id, 'reportOverdue');
  expect((await inboxMatchesPending(id)).some((t) => t.action === `${id}:report-overdue:1` && t.kind === 'monthly_report')).toBe(true);
  expect(await phases()).toEqual([{ kind: 'monthly_report_due' }, { kind: 'monthly_report_reminder' }, { kind: 'monthly_report' }]);
  await ok(app.post(`/api/v1/projects/${id}/reports`, { period: 1, summary: 'Month one', indicatorProgress: [{ name: 'home visits', achieved: 30 }] }), 201);
  await inboxMatchesPending(id);

  // The programme's quarterly reviews come due on their timer: a task for the officer until the review is held.
  await eventOf(id, 'quarterlyReviewDue');
  expect((await inboxMatchesPending(id)).filter((t) => t.kind === 'quarterly_review').map((t) => t.action)).toContain(`${id}:quarterly-review:1`);
  await ok(off.post(`/api/v1/projects/${id}/quarterly-reviews`, { quarter: '2026-Q4', heldOn: today(), notes: 'on track' }), 201);
  expect((await inboxMatchesPending(id)).map((t) => t.action)).not.toContain(`${id}:quarterly-review:1`);

  // A supervisor's assignment is a standing task, outside the invariant, closed with the project.
  await ok(off.post(`/api/v1/projects/${id}/supervisor`, { supervisorId: who.supervisor.id }));
  await inboxMatchesPending(id);

  await ok(off.post(`/api/v1/projects/${id}/evaluations`, { kind: 'mid_term', evaluatorId: who.evaluator.id }));
  expect((await inboxMatchesPending(id)).map((t) => t.kind)).toContain('evaluate');
  await ok(ev.put(`/api/v1/projects/${id}/evaluations/mid_term`, { scores: indicatorScores(rules, 78), comments: 'fair' }));
  await inboxMatchesPending(id);

  // The final evaluation ends the reporting; a failed one is sent to rectification.
  await ok(off.post(`/api/v1/projects/${id}/evaluations`, { kind: 'final', evaluatorId: who.evaluator.id }));
  expect(await openKinds(id)).toEqual(['evaluate', 'supervise']);
  await ok(ev.put(`/api/v1/projects/${id}/evaluations/final`, { scores: indicatorScores(rules, 40), comments: 'behind' }));
  expect(await openKinds(id)).toEqual(['close_or_rectify', 'supervise']);
  await ok(off.post(`/api/v1/projects/${id}/rectification`, { reason: 'outcomes behind' }));
  expect((await inboxMatchesPending(id)).map((t) => t.kind)).toContain('rectification_plan');
  await ok(app.post(`/api/v1/projects/${id}/rectification/plan`, { plan: 'more visits' }));
  expect((await inboxMatchesPending(id)).map((t) => t.kind)).toContain('rectification_review');
  await ok(off.post(`/api/v1/projects/${id}/rectification/complete`, { note: 'checked' }));

  // After the rectification the evaluator has the re-evaluation in their inbox.
  expect(await openKinds(id)).toEqual(['evaluate', 'supervise']);
  const mine = expectStatus(await ev.get(`/api/v1/me/tasks?projectId=${id}`), 200).body.items;
  expect(mine.map((t: { kind: string; title: string }) => [t.kind, t.title])).toEqual([['evaluate', '整改后再次评估该项目（第 2 轮）']]);
  const mineEn = expectStatus(await ev.get(`/api/v1/me/tasks?projectId=${id}`).set('Accept-Language', 'en'), 200).body.items;
  expect(mineEn.map((t: { title: string }) => t.title)).toEqual(['Evaluate the project again after its rectification (round 2)']);
  await ok(ev.put(`/api/v1/projects/${id}/evaluations/final`, { scores: indicatorScores(rules, 88), comments: 'recovered' }));
  expect(await openKinds(id)).toEqual(['close_or_rectify', 'supervise']);
  await ok(off.post(`/api/v1/projects/${id}/close`, { finalReport: 'closed after rectification' }));

  // Closed: nothing is pending and no task of the project stays open, the supervisor's neither.
  expect(await inboxMatchesPending(id)).toEqual([]);
});

/** A contest row and the project's awarded entry in it (what a contest's award leaves), inserted directly. */
async function awardedEntry(projectId: string, askedFen: number, awardedFen: number): Promise<string> {
  const [contest] = await stack.db('contests')
    .insert({ name: `partial ${projectId.slice(0, 8)}`, region_id: s.cityId, region_path: s.communityPath.split('/').slice(0, 2).join('/') + '/', programme_ids: [s.programmeId], settings: JSON.stringify({}), phase: 'awarded' })
    .returning('id');
  await stack.db('contest_entries').insert({ contest_id: contest.id, project_id: projectId, organisation_id: s.organisationId, track_key: 'elderly', amount_asked_fen: askedFen, status: 'awarded', matching_fen: awardedFen });
  return contest.id as string;
}

test('through a partial award declined, then one accepted, every pending action is an open task and every open task a pending action', async () => {
  const app = as(stack, who.applicant);
  const off = as(stack, who.officer);
  const ok = async (res: PromiseLike<Response>, status = 200) => expectStatus(await res, status);
  const asked = 5_000_000;
  const award = 500_000;

  const id = await createProject(stack, who.applicant, s, needId);
  await ok(app.post(`/api/v1/projects/${id}/design/submit`));
  await ok(off.post(`/api/v1/projects/${id}/review/panel`, { reviewerIds: [who.reviewer.id] }));
  await ok(as(stack, who.reviewer).put(`/api/v1/projects/${id}/review/score`, { scores: rubricScores(rules, 1), comments: 'good' }));
  await ok(off.post(`/api/v1/projects/${id}/review/decision`, { decision: 'approve', comment: 'fund it' }));
  expect(await openKinds(id)).toEqual(['fund_or_enter_contest']);

  const terms = (amountFen: number) => ({
    ...agreementTerms(amountFen, 100_000),
    fundingSources: [{ funderOrganisationId: null, name: 'Matching pool', kind: 'government' as const, valueFen: amountFen }],
  });
  // A partial award: the project waits in rescoping, the applicant has to re-scope the budget by the deadline.
  const first = await awardedEntry(id, asked, award);
  await executeProjectUpdate(stack.deps, id, enterContest, { actorId: who.officer.id, contestId: first });
  expect(await openKinds(id)).toEqual([]);
  await executeProjectUpdate(stack.deps, id, awardContest, { actorId: who.officer.id, contestId: first, agreement: terms(award), amountAskedFen: asked, rescopingDeadline: 'PT1H' });
  expect(await openKinds(id)).toEqual(['rescope_budget']);
  expect((await inboxMatchesPending(id)).map((t) => t.action)).toEqual([`${id}:rescope:${first}`]);

  // Declined: back in the library, the officer's task again; the applicant's is done.
  await executeProjectUpdate(stack.deps, id, declineRescoping, { actorId: who.applicant.id, reason: 'too little' });
  expect(await openKinds(id)).toEqual(['fund_or_enter_contest']);
  expect(await stack.db('tasks').where({ project_id: id, kind: 'rescope_budget' }).pluck('status')).toEqual(['done']);

  // Another contest's partial award, accepted: delivery starts with the re-scoped budget and its first report period.
  const second = await awardedEntry(id, asked, award);
  await executeProjectUpdate(stack.deps, id, enterContest, { actorId: who.officer.id, contestId: second });
  await executeProjectUpdate(stack.deps, id, awardContest, { actorId: who.officer.id, contestId: second, agreement: terms(award), amountAskedFen: asked, rescopingDeadline: 'PT1H' });
  expect((await inboxMatchesPending(id)).map((t) => t.action)).toEqual([`${id}:rescope:${second}`]);
  await executeProjectUpdate(stack.deps, id, acceptRescoping, { actorId: who.applicant.id, budgetLines: [{ item: 'Activities', amountFen: award }] });
  expect((await inboxMatchesPending(id)).map((t) => t.kind)).toContain('monthly_report_due');
  expect(await stack.db('tasks').where({ project_id: id, kind: 'rescope_budget' }).pluck('status')).toEqual(['done', 'done']);
});
