import { startStack, createUser, creditCode, type Stack, type TestUser } from '../helpers/stack';
import { as } from '../helpers/api';
import { sampleProposal, seedProgramme, teamMembers, testRules, type Seeded } from '../helpers/projects';
import {
  addProgramme, agreementTerms, createProject, driveTo, eventKinds, expectStatus, footprint, inDays, indicatorScores, rubricScores, seedNeed, today, type Cast,
} from '../helpers/lifecycle';

let stack: Stack;
let s: Seeded;
let needId: string;
let cast: Cast;
let applicant: TestUser;
let officer: TestUser;
let reviewer: TestUser;
let reviewer2: TestUser;
let supervisor: TestUser;
let supervisor2: TestUser;
let evaluator: TestUser;
let evaluator2: TestUser;
let volunteerId: string;

beforeAll(async () => {
  stack = await startStack();
  s = await seedProgramme(stack);
  needId = await seedNeed(stack, s.communityId);
  [applicant, officer, reviewer, reviewer2, supervisor, supervisor2, evaluator, evaluator2] = await Promise.all([
    createUser(stack, ['applicant'], { organisationId: s.organisationId }),
    createUser(stack, ['officer'], { regionId: s.cityId }),
    createUser(stack, ['reviewer']),
    createUser(stack, ['reviewer']),
    createUser(stack, ['supervisor']),
    createUser(stack, ['supervisor']),
    createUser(stack, ['evaluator']),
    createUser(stack, ['evaluator']),
  ]);
  cast = { applicant, officer, reviewer, evaluator };
  volunteerId = expectStatus(await as(stack, applicant).post('/api/v1/volunteers', { name: '王芳' }), 201).body.id;
});
afterAll(async () => {
  await stack.close();
});

const app = () => as(stack, applicant);
const off = () => as(stack, officer);
const newProject = (opts: Parameters<typeof createProject>[4] = {}) => createProject(stack, applicant, s, needId, opts);
async function projectIn(target: Parameters<typeof driveTo>[4]): Promise<string> {
  const id = await newProject();
  await driveTo(stack, cast, s.rules, id, target);
  return id;
}

// ---- every move from a stage that does not allow it ---------------------------------------------

type Who = 'applicant' | 'officer' | 'reviewer' | 'supervisor' | 'evaluator';
interface Probe { move: string; who: Who; method: 'post' | 'put'; path: string; body: object }

function probes(id: string): Probe[] {
  const p = (move: string, who: Who, method: 'post' | 'put', path: string, body: object = {}): Probe => ({ move, who, method, path: `/api/v1/projects/${id}${path}`, body });
  return [
    p('saveDesign', 'applicant', 'put', '/design', { proposal: sampleProposal(5_000_000) }),
    p('submitDesign', 'applicant', 'post', '/design/submit'),
    p('assignPanel', 'officer', 'post', '/review/panel', { reviewerIds: [reviewer.id] }),
    p('reassignReviewer', 'officer', 'post', '/review/reassign', { fromReviewerId: reviewer.id, toReviewerId: reviewer2.id }),
    p('submitReviewScore', 'reviewer', 'put', '/review/score', { scores: rubricScores(s.rules), comments: 'late' }),
    p('decideReview', 'officer', 'post', '/review/decision', { decision: 'approve', comment: '' }),
    p('withdrawProject', 'applicant', 'post', '/withdraw', { reason: 'changed our mind' }),
    p('fundDirectly', 'officer', 'post', '/agreement', agreementTerms()),
    p('recordServiceRecord', 'applicant', 'post', '/service-records', { activity: 'Visits', heldOn: today(), place: 'Hall', peopleServed: 3, volunteers: [{ volunteerId, hours: 1 }] }),
    p('recordSpending', 'applicant', 'post', '/spending', { budgetItem: 'Activities', amountFen: 1_000, spentOn: today() }),
    p('submitMonthlyReport', 'applicant', 'post', '/reports', { period: 1, summary: 'month one', indicatorProgress: [] }),
    p('assignSupervisor', 'officer', 'post', '/supervisor', { supervisorId: supervisor2.id }),
    p('recordSupervisionVisit', 'supervisor', 'post', '/supervision-visits', { visitedOn: today(), scores: Object.fromEntries(s.rules.monitoring.supervisionDimensions.map((d) => [d.key, 90])) }),
    p('recordComplaint', 'officer', 'post', '/complaints', { receivedOn: today(), description: 'noise' }),
    p('recordQuarterlyReview', 'officer', 'post', '/quarterly-reviews', { quarter: '2026-Q4', heldOn: today(), notes: 'met' }),
    p('submitRectificationPlan', 'applicant', 'post', '/rectification/plan', { plan: 'do better' }),
    p('completeRectification', 'officer', 'post', '/rectification/complete', {}),
    p('assignEvaluator', 'officer', 'post', '/evaluations', { kind: 'mid_term', evaluatorId: evaluator2.id }),
    p('closeProject', 'officer', 'post', '/close', { finalReport: 'done' }),
    p('orderRectification', 'officer', 'post', '/rectification', { reason: 'weak' }),
    p('completeMilestone', 'applicant', 'post', '/milestones/1/complete', { note: 'done' }),
    p('submitEvaluation', 'evaluator', 'put', '/evaluations/final', { scores: indicatorScores(s.rules, 90), comments: 'again' }),
  ];
}

// Moves each stage allows, and moves that cannot reach the stage check there for another documented reason.
const legal: Record<string, string[]> = {
  design: ['saveDesign', 'submitDesign', 'withdrawProject', 'assignSupervisor'],
  approved: ['withdrawProject', 'fundDirectly', 'assignSupervisor'],
  delivery: ['assignSupervisor', 'recordServiceRecord', 'recordSpending', 'submitMonthlyReport', 'recordSupervisionVisit', 'recordComplaint', 'recordQuarterlyReview', 'assignEvaluator', 'completeMilestone'],
  closed: [],
};
const notReachable: Record<string, string[]> = {
  // The reviewer was never assigned (404, invisible); no milestones before an agreement (404); no final evaluator seat (403).
  design: ['submitReviewScore', 'completeMilestone', 'submitEvaluation'],
  approved: ['completeMilestone', 'submitEvaluation'],
  delivery: ['submitEvaluation'],
  closed: [],
};

describe.each(['design', 'approved', 'delivery', 'closed'] as const)('in %s', (stage) => {
  test('every move the stage does not allow answers 409 naming the stage, and nothing is written', async () => {
    const target = await newProject();
    // The supervisor is assigned while that is still allowed, so their visits reach the stage check.
    await driveTo(stack, cast, s.rules, target, stage === 'closed' ? 'evaluation' : stage === 'design' ? 'design' : stage);
    expectStatus(await off().post(`/api/v1/projects/${target}/supervisor`, { supervisorId: supervisor.id }), 200);
    if (stage === 'closed') {
      expectStatus(await as(stack, evaluator).put(`/api/v1/projects/${target}/evaluations/final`, { scores: indicatorScores(s.rules, 92), comments: 'fine' }), 200);
      expectStatus(await off().post(`/api/v1/projects/${target}/close`, { finalReport: 'done' }), 200);
    }
    const before = await footprint(stack, target);
    const users: Record<Who, TestUser> = { applicant, officer, reviewer, supervisor, evaluator };
    const attempts = probes(target).filter((p) => !legal[stage].includes(p.move) && !notReachable[stage].includes(p.move));
    const got = [];
    for (const p of attempts) {
      const res = await as(stack, users[p.who])[p.method](p.path, p.body);
      got.push({ move: p.move, status: res.status, currentStage: res.body.currentStage });
    }
    expect(got).toEqual(attempts.map((p) => ({ move: p.move, status: 409, currentStage: stage })));
    expect(await footprint(stack, target)).toEqual(before);
  });
});

// ---- design and review ------------------------------------------------------------------------------

test('a proposal sent back for revision is resubmitted as a second version, and the first version stays as it was', async () => {
  const id = await newProject();
  const original = sampleProposal(5_000_000);
  await driveTo(stack, cast, s.rules, id, 'review');
  expectStatus(await off().post(`/api/v1/projects/${id}/review/panel`, { reviewerIds: [reviewer.id] }), 200);
  expectStatus(await as(stack, reviewer).put(`/api/v1/projects/${id}/review/score`, { scores: rubricScores(s.rules, 5), comments: 'unclear objectives' }), 200);
  const revise = await off().post(`/api/v1/projects/${id}/review/decision`, { decision: 'revise', comment: 'sharpen the indicators' });
  expect(revise.status).toBe(200);
  expect(revise.body.stage).toBe('revision');
  expect(revise.body.revisionDueAt).toEqual(expect.any(String));
  const decision = await stack.db('review_decisions').where({ project_id: id, round: 1 }).first();
  expect(decision).toMatchObject({ decision: 'revise', comment: 'sharpen the indicators' });
  expect(decision.revision_due_at.toISOString()).toBe(revise.body.revisionDueAt);
  expect(await stack.db('tasks').where({ project_id: id, kind: 'revise_design' }).select('status', 'organisation_id')).toEqual([{ status: 'open', organisation_id: s.organisationId }]);
  const v1 = await stack.db('design_versions').where({ project_id: id, version: 1 }).first();

  const revised = { ...original, objectives: [{ description: 'Weekly visits to 40 elderly people living alone', indicators: [{ name: 'home visits', unit: 'visits', target: 160 }] }] };
  expectStatus(await app().put(`/api/v1/projects/${id}/design`, { proposal: revised }), 200);
  const resubmitted = await app().post(`/api/v1/projects/${id}/design/submit`);
  expect(resubmitted.status).toBe(200);
  expect(resubmitted.body).toMatchObject({ stage: 'review', version: 2, panel: [], revisionDueAt: null });

  const versions = await app().get(`/api/v1/projects/${id}/design/versions`);
  expect(versions.body.items.map((v: { version: number; proposal: unknown }) => [v.version, v.proposal])).toEqual([[1, original], [2, revised]]);
  const rows = await stack.db('design_versions').where({ project_id: id }).orderBy('version');
  expect(rows).toHaveLength(2);
  expect(rows[0]).toEqual(v1);
  expect(await stack.db('projects').where({ id }).first('stage', 'current_version')).toEqual({ stage: 'review', current_version: 2 });
  expect(await stack.db('tasks').where({ project_id: id, kind: 'revise_design' }).select('status')).toEqual([{ status: 'done' }]);
  expect(await stack.db('tasks').where({ project_id: id, kind: 'assign_panel' }).orderBy('key').select('key', 'status')).toEqual([
    { key: `${id}:panel:1`, status: 'done' },
    { key: `${id}:panel:2`, status: 'open' },
  ]);
});

test('a rejected project is rejected for good: every later move answers 409 naming "rejected"', async () => {
  const id = await newProject();
  await driveTo(stack, cast, s.rules, id, 'review');
  expectStatus(await off().post(`/api/v1/projects/${id}/review/panel`, { reviewerIds: [reviewer.id] }), 200);
  expectStatus(await as(stack, reviewer).put(`/api/v1/projects/${id}/review/score`, { scores: rubricScores(s.rules, 8), comments: 'weak' }), 200);
  const rejected = await off().post(`/api/v1/projects/${id}/review/decision`, { decision: 'reject', comment: 'does not answer the need' });
  expect(rejected.status).toBe(200);
  expect(rejected.body.stage).toBe('rejected');
  expect((await stack.db('projects').where({ id }).first('stage')).stage).toBe('rejected');
  const before = await footprint(stack, id);
  const after = [
    await app().post(`/api/v1/projects/${id}/withdraw`, { reason: 'too late' }),
    await app().post(`/api/v1/projects/${id}/design/submit`),
    await app().put(`/api/v1/projects/${id}/design`, { proposal: sampleProposal(5_000_000) }),
    await off().post(`/api/v1/projects/${id}/review/decision`, { decision: 'approve', comment: 'second thoughts' }),
    await off().post(`/api/v1/projects/${id}/agreement`, agreementTerms()),
    await off().post(`/api/v1/projects/${id}/supervisor`, { supervisorId: supervisor.id }),
  ];
  expect(after.map((r) => [r.status, r.body.currentStage])).toEqual(after.map(() => [409, 'rejected']));
  expect(await footprint(stack, id)).toEqual(before);
  expect(before.tasks.every((t) => t.endsWith('=done'))).toBe(true);
});

describe.each(['design', 'review', 'revision', 'approved'] as const)('withdrawing from %s', (stage) => {
  test('moves the project to withdrawn with who and why, and completes its open tasks', async () => {
    const id = await newProject();
    if (stage !== 'design') await driveTo(stack, cast, s.rules, id, stage === 'approved' ? 'approved' : 'review');
    if (stage === 'revision') {
      expectStatus(await off().post(`/api/v1/projects/${id}/review/panel`, { reviewerIds: [reviewer.id] }), 200);
      expectStatus(await as(stack, reviewer).put(`/api/v1/projects/${id}/review/score`, { scores: rubricScores(s.rules, 3), comments: 'ok' }), 200);
      expectStatus(await off().post(`/api/v1/projects/${id}/review/decision`, { decision: 'revise', comment: 'more detail' }), 200);
    }
    expect((await stack.db('projects').where({ id }).first('stage')).stage).toBe(stage);
    const res = await app().post(`/api/v1/projects/${id}/withdraw`, { reason: 'the team left' });
    expect(res.status).toBe(200);
    expect(res.body.stage).toBe('withdrawn');
    expect((await stack.db('projects').where({ id }).first('stage')).stage).toBe('withdrawn');
    const event = await stack.db('project_events').where({ project_id: id, kind: 'withdrawn' }).first();
    expect(event).toMatchObject({ actor_id: applicant.id, data: { from: stage, reason: 'the team left' } });
    expect(await stack.db('tasks').where({ project_id: id, status: 'open' })).toEqual([]);
  });
});

test('an ineligible organisation submitting is refused with every rule it fails, and the project stays in design', async () => {
  const [org] = await stack.db('organisations')
    .insert({ name: 'Small new centre', kind: 'social_work_organisation', grade: '2A', credit_code: creditCode(123457), staff_count: 3, certified_social_worker_count: 2, volunteer_count: 10, region_id: s.communityId })
    .returning('id');
  const small = await createUser(stack, ['applicant'], { organisationId: org.id });
  const id = await createProject(stack, small, s, needId, { proposal: sampleProposal(25_000_000) });
  const before = await footprint(stack, id);
  const res = await as(stack, small).post(`/api/v1/projects/${id}/design/submit`);
  expect(res.status).toBe(422);
  // The Haining defaults ask for 6430 of the proposal's team (which the sample team meets), not of the organisation.
  expect(res.body.errors.map((e: { field: string; rule: string }) => [e.field, e.rule])).toEqual([
    ['/organisation/grade', 'min-grade'],
    ['/proposal/amountAskedFen', 'budget-cap'],
  ]);
  expect(await footprint(stack, id)).toEqual(before);
  expect(before.project.stage).toBe('design');
  expect(before.versions).toBe(0);

  // Fewer volunteers on the proposal's team alone is enough to fail an otherwise eligible proposal.
  await stack.db('organisations').where({ id: org.id }).update({ grade: '4A' });
  const fewVolunteers = sampleProposal(5_000_000);
  fewVolunteers.team.volunteers = 10;
  expectStatus(await as(stack, small).put(`/api/v1/projects/${id}/design`, { proposal: fewVolunteers }), 200);
  const again = await as(stack, small).post(`/api/v1/projects/${id}/design/submit`);
  expect(again.status).toBe(422);
  expect(again.body.errors.map((e: { rule: string }) => e.rule)).toEqual(['team-volunteers']);
  expect((await stack.db('projects').where({ id }).first('stage')).stage).toBe('design');
});

test("when the proposal's team lacks certified social workers, 6430 refuses it naming the team rule, although the organisation's headcount satisfies the organisation-level minimums", async () => {
  // A programme asking for both: the organisation-level minimums, and 6430 of the team that runs the service.
  const rules = testRules();
  rules.eligibility = { ...rules.eligibility, minStaff: 6, minCertifiedSocialWorkers: 4, minVolunteers: 30 };
  const programmeId = await addProgramme(stack, s, rules);
  const proposal = sampleProposal(5_000_000);
  proposal.team = { staff: 6, certifiedSocialWorkers: 1, volunteers: 30, lead: 'Li Hua', members: teamMembers(6, 1) };
  const id = await createProject(stack, applicant, s, needId, { programmeId, proposal });
  const res = await as(stack, applicant).post(`/api/v1/projects/${id}/design/submit`, {}, { 'Accept-Language': 'en' });
  expect(res.status).toBe(422);
  expect(res.body.errors).toEqual([
    expect.objectContaining({ field: '/proposal/team/members', rule: 'team-certified-social-workers', message: expect.stringContaining("team rule requires at least 4") }),
  ]);
  expect(res.body.detail).toContain('1 certified social workers among its full-time staff');
  expect((await stack.db('projects').where({ id }).first('stage')).stage).toBe('design');
  expect((await stack.db('projects').where({ id }).first('stage')).stage).toBe('design');
});

describe('the review panel', () => {
  let insider: TestUser;
  let conflicted: TestUser;

  beforeAll(async () => {
    insider = await createUser(stack, ['reviewer'], { organisationId: s.organisationId });
    conflicted = await createUser(stack, ['reviewer']);
    const declared = await as(stack, conflicted).post('/api/v1/me/conflicts', { organisationId: s.organisationId, reason: 'I chair its board' });
    expect(declared.status).toBe(201);
    expect(await stack.db('conflict_declarations').where({ user_id: conflicted.id }).select('organisation_id')).toEqual([{ organisation_id: s.organisationId }]);
  });

  async function independentReviewers(): Promise<string[]> {
    const all = (await stack.db('users').whereRaw("'reviewer' = ANY(roles)").select('id')).map((u) => u.id as string);
    expect(all).toEqual(expect.arrayContaining([insider.id, conflicted.id]));
    return all.filter((id) => id !== insider.id && id !== conflicted.id).sort();
  }

  test('picked automatically, it takes every independent reviewer and never one from the applicant organisation or with a declared conflict', async () => {
    const independent = await independentReviewers();
    const programmeId = await addProgramme(stack, s, testRules({ review: { ...s.rules.review, panelSize: independent.length } }));
    const id = await newProject({ programmeId });
    expectStatus(await app().post(`/api/v1/projects/${id}/design/submit`), 200);
    const res = await off().post(`/api/v1/projects/${id}/review/panel`, {});
    expect(res.status).toBe(200);
    const picked = res.body.panel.map((p: { reviewerId: string }) => p.reviewerId).sort();
    expect(picked).toEqual(independent);
    const rows = await stack.db('review_assignments').where({ project_id: id }).select('reviewer_id');
    expect(rows.map((r) => r.reviewer_id).sort()).toEqual(independent);
    expect(picked).not.toContain(insider.id);
    expect(picked).not.toContain(conflicted.id);
  });

  test('picked automatically with too few independent reviewers for the panel size, it is refused with 422 and nothing is assigned', async () => {
    const independent = await independentReviewers();
    const programmeId = await addProgramme(stack, s, testRules({ review: { ...s.rules.review, panelSize: independent.length + 1 } }));
    const id = await newProject({ programmeId });
    expectStatus(await app().post(`/api/v1/projects/${id}/design/submit`), 200);
    const before = await footprint(stack, id);
    const res = await off().post(`/api/v1/projects/${id}/review/panel`, {});
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([expect.objectContaining({ rule: 'enough-reviewers' })]);
    expect(await footprint(stack, id)).toEqual(before);
    expect(await stack.db('review_assignments').where({ project_id: id })).toEqual([]);
  });

  test('a named reviewer with a declared conflict, or from the applicant organisation, is refused with 422 naming the reviewer', async () => {
    const id = await projectIn('review');
    const before = await footprint(stack, id);
    const withConflict = await off().post(`/api/v1/projects/${id}/review/panel`, { reviewerIds: [conflicted.id] });
    expect(withConflict.status).toBe(422);
    expect(withConflict.body.errors).toEqual([expect.objectContaining({ field: '/body/reviewerIds/0', rule: 'no-conflict' })]);
    const fromApplicant = await off().post(`/api/v1/projects/${id}/review/panel`, { reviewerIds: [insider.id] });
    expect(fromApplicant.status).toBe(422);
    expect(fromApplicant.body.errors).toEqual([expect.objectContaining({ field: '/body/reviewerIds/0', rule: 'independent' })]);
    const reassignToConflicted = await off().post(`/api/v1/projects/${id}/review/reassign`, { fromReviewerId: reviewer.id, toReviewerId: conflicted.id });
    expect(reassignToConflicted.status).toBe(422);
    expect(reassignToConflicted.body.errors).toEqual([expect.objectContaining({ field: '/body/toReviewerId', rule: 'no-conflict' })]);
    expect(await footprint(stack, id)).toEqual(before);
    expect(await stack.db('review_assignments').where({ project_id: id })).toEqual([]);
  });
});

test('a reviewer never assigned cannot see the project (404); one replaced on the panel may not score (403); nothing is written', async () => {
  const id = await projectIn('review');
  expectStatus(await off().post(`/api/v1/projects/${id}/review/panel`, { reviewerIds: [reviewer.id] }), 200);
  const stranger = await createUser(stack, ['reviewer']);
  const before = await footprint(stack, id);
  const unseen = await as(stack, stranger).put(`/api/v1/projects/${id}/review/score`, { scores: rubricScores(s.rules), comments: 'hi' });
  expect(unseen.status).toBe(404);
  expect(await footprint(stack, id)).toEqual(before);

  expectStatus(await off().post(`/api/v1/projects/${id}/review/reassign`, { fromReviewerId: reviewer.id, toReviewerId: reviewer2.id }), 200);
  const replaced = await footprint(stack, id);
  const res = await as(stack, reviewer).put(`/api/v1/projects/${id}/review/score`, { scores: rubricScores(s.rules), comments: 'still mine?' });
  expect(res.status).toBe(403);
  expect(await footprint(stack, id)).toEqual(replaced);
  expect(await stack.db('review_assignments').where({ project_id: id }).orderBy('status').select('reviewer_id', 'status', 'scores')).toEqual([
    { reviewer_id: reviewer2.id, status: 'assigned', scores: null },
    { reviewer_id: reviewer.id, status: 'replaced', scores: null },
  ]);
});

test('a score outside its criterion\'s range is refused with 422 naming the criterion, and the seat stays unscored', async () => {
  const id = await projectIn('review');
  expectStatus(await off().post(`/api/v1/projects/${id}/review/panel`, { reviewerIds: [reviewer.id] }), 200);
  const before = await footprint(stack, id);
  const res = await as(stack, reviewer).put(`/api/v1/projects/${id}/review/score`, { scores: { ...rubricScores(s.rules), needFit: 11, budget: -1 }, comments: 'too generous' });
  expect(res.status).toBe(422);
  expect(res.body.errors.map((e: { field: string; rule: string }) => [e.field, e.rule])).toEqual([
    ['/body/scores/needFit', 'score-range'],
    ['/body/scores/budget', 'score-range'],
  ]);
  expect(await footprint(stack, id)).toEqual(before);
  expect(await stack.db('review_assignments').where({ project_id: id }).first('status', 'scores', 'total')).toEqual({ status: 'assigned', scores: null, total: null });
});

test('a decision before every panel score is in is refused with 422, and the project stays in review', async () => {
  const programmeId = await addProgramme(stack, s, testRules({ review: { ...s.rules.review, panelSize: 2 } }));
  const id = await newProject({ programmeId });
  expectStatus(await app().post(`/api/v1/projects/${id}/design/submit`), 200);
  const noPanel = await off().post(`/api/v1/projects/${id}/review/decision`, { decision: 'approve', comment: '' });
  expect(noPanel.status).toBe(422);
  expect(noPanel.body.errors).toEqual([expect.objectContaining({ field: '/body/decision', rule: 'scores-complete' })]);
  expectStatus(await off().post(`/api/v1/projects/${id}/review/panel`, { reviewerIds: [reviewer.id, reviewer2.id] }), 200);
  expectStatus(await as(stack, reviewer).put(`/api/v1/projects/${id}/review/score`, { scores: rubricScores(s.rules), comments: 'good' }), 200);
  const before = await footprint(stack, id);
  const res = await off().post(`/api/v1/projects/${id}/review/decision`, { decision: 'approve', comment: 'quick' });
  expect(res.status).toBe(422);
  expect(res.body.errors).toEqual([expect.objectContaining({ field: '/body/decision', rule: 'scores-complete', message: expect.stringContaining(reviewer2.id) })]);
  expect(await footprint(stack, id)).toEqual(before);
  expect(before.project.stage).toBe('review');
  expect(await stack.db('review_decisions').where({ project_id: id })).toEqual([]);
});

// ---- funding and delivery ---------------------------------------------------------------------------

test('an agreement whose tranches do not add up to its amount is refused with 422 naming the tranches, and the project stays approved', async () => {
  const id = await projectIn('approved');
  const before = await footprint(stack, id);
  const terms = agreementTerms();
  const res = await off().post(`/api/v1/projects/${id}/agreement`, { ...terms, tranches: [{ ...terms.tranches[0], amountFen: 1_000_000 }, terms.tranches[1]] });
  expect(res.status).toBe(422);
  expect(res.body.errors).toEqual([expect.objectContaining({ field: '/body/tranches', rule: 'tranches-sum' })]);
  const backwards = await off().post(`/api/v1/projects/${id}/agreement`, { ...terms, endDate: terms.startDate });
  expect(backwards.status).toBe(422);
  expect(backwards.body.errors).toEqual([expect.objectContaining({ field: '/body/endDate', rule: 'after-start' })]);
  expect(await footprint(stack, id)).toEqual(before);
  expect(await stack.db('agreements').where({ project_id: id })).toEqual([]);
});

test('service records and spending dated outside the agreement are refused with 422 naming the date', async () => {
  const id = await projectIn('delivery');
  const before = await footprint(stack, id);
  const record = await app().post(`/api/v1/projects/${id}/service-records`, { activity: 'Visits', heldOn: inDays(-3), place: 'Hall', peopleServed: 5, volunteers: [{ volunteerId, hours: 2 }] });
  expect(record.status).toBe(422);
  expect(record.body.errors).toEqual([expect.objectContaining({ field: '/body/heldOn', rule: 'within-agreement' })]);
  const spending = await app().post(`/api/v1/projects/${id}/spending`, { budgetItem: 'Activities', amountFen: 50_000, spentOn: inDays(400) });
  expect(spending.status).toBe(422);
  expect(spending.body.errors).toEqual([expect.objectContaining({ field: '/body/spentOn', rule: 'within-agreement' })]);
  expect(await footprint(stack, id)).toEqual(before);
  expect(await stack.db('time_bank_entries').where({ volunteer_id: volunteerId }).join('service_records as r', 'r.id', 'service_record_id').where('r.project_id', id)).toEqual([]);
});

test('a volunteer cannot log more than 24 hours in one day across service records', async () => {
  const id = await projectIn('delivery');
  const [fresh] = await stack.db('volunteers').insert({ name: '李强' }).returning('id');
  const day = inDays(1);
  const first = await app().post(`/api/v1/projects/${id}/service-records`, { activity: 'Overnight care', heldOn: day, place: 'Care home', peopleServed: 2, volunteers: [{ volunteerId: fresh.id, hours: 20 }] });
  expect(first.status).toBe(201);
  const before = await footprint(stack, id);
  const second = await app().post(`/api/v1/projects/${id}/service-records`, { activity: 'Evening visit', heldOn: day, place: 'Care home', peopleServed: 1, volunteers: [{ volunteerId: fresh.id, hours: 5 }] });
  expect(second.status).toBe(422);
  expect(second.body.errors).toEqual([expect.objectContaining({ field: '/body/volunteers/0/hours', rule: 'hours-per-day' })]);
  expect(await footprint(stack, id)).toEqual(before);
  expect(await stack.db('time_bank_entries').where({ volunteer_id: fresh.id }).select(stack.db.raw('sum(hours)::float as hours, count(*)::int as n')).first()).toEqual({ hours: 20, n: 1 });
});

test('negative people served, and spending of zero or less, are refused with 400 naming the field', async () => {
  const id = await projectIn('delivery');
  const before = await footprint(stack, id);
  const people = await app().post(`/api/v1/projects/${id}/service-records`, { activity: 'Visits', heldOn: today(), place: 'Hall', peopleServed: -4, volunteers: [] });
  expect(people.status).toBe(400);
  expect(people.body.errors.map((e: { field: string }) => e.field)).toEqual(['/body/peopleServed']);
  for (const amountFen of [0, -500]) {
    const spent = await app().post(`/api/v1/projects/${id}/spending`, { budgetItem: 'Activities', amountFen, spentOn: today() });
    expect(spent.status).toBe(400);
    expect(spent.body.errors.map((e: { field: string }) => e.field)).toEqual(['/body/amountFen']);
  }
  expect(await footprint(stack, id)).toEqual(before);
});

test('budget lines that do not add up to the amount asked plus co-funding are refused with 422, on create and on design save', async () => {
  const projects = async () => Number((await stack.db('projects').count({ n: '*' }).first())?.n);
  const broken = { ...sampleProposal(5_000_000), coFundingFen: 1_000_000 }; // lines still add up to 5,000,000 only
  const count = await projects();
  const created = await app().post(`/api/v1/programmes/${s.programmeId}/projects`, { title: 'Does not add up', regionId: s.communityId, needIds: [needId], proposal: broken });
  expect(created.status).toBe(422);
  expect(created.body.errors).toEqual([expect.objectContaining({ field: '/body/proposal/budgetLines', rule: 'budget-lines-sum' })]);
  expect(await projects()).toBe(count);

  const id = await newProject();
  const draft = (await stack.db('projects').where({ id }).first('draft')).draft;
  const saved = await app().put(`/api/v1/projects/${id}/design`, { proposal: broken });
  expect(saved.status).toBe(422);
  expect(saved.body.errors).toEqual([expect.objectContaining({ field: '/body/proposal/budgetLines', rule: 'budget-lines-sum' })]);
  expect((await stack.db('projects').where({ id }).first('draft')).draft).toEqual(draft);
});

test('a second monthly report for the same period is refused with 409, and the first stays', async () => {
  const id = await projectIn('delivery');
  expectStatus(await app().post(`/api/v1/projects/${id}/reports`, { period: 1, summary: 'Month one', indicatorProgress: [{ name: 'home visits', achieved: 12 }] }), 201);
  const before = await footprint(stack, id);
  const again = await app().post(`/api/v1/projects/${id}/reports`, { period: 1, summary: 'Month one, rewritten', indicatorProgress: [] });
  expect(again.status).toBe(409);
  expect(again.body.currentStage).toBe('delivery');
  expect(await footprint(stack, id)).toEqual(before);
  expect(await stack.db('monthly_reports').where({ project_id: id }).select('period', 'summary', 'late')).toEqual([{ period: 1, summary: 'Month one', late: false }]);
});

// ---- evaluation, rectification, closure -------------------------------------------------------------

test('an evaluator from the applicant organisation is refused with 422 and no evaluation is assigned', async () => {
  const id = await projectIn('delivery');
  const insider = await createUser(stack, ['evaluator'], { organisationId: s.organisationId });
  const before = await footprint(stack, id);
  const res = await off().post(`/api/v1/projects/${id}/evaluations`, { kind: 'final', evaluatorId: insider.id });
  expect(res.status).toBe(422);
  expect(res.body.errors).toEqual([expect.objectContaining({ field: '/body/evaluatorId', rule: 'independent' })]);
  expect(await footprint(stack, id)).toEqual(before);
  expect(before.evaluations).toEqual([]);
});

test('only the assigned evaluator may file an evaluation: another assigned one gets 403, an unassigned one 404', async () => {
  const id = await projectIn('delivery');
  expectStatus(await off().post(`/api/v1/projects/${id}/evaluations`, { kind: 'mid_term', evaluatorId: evaluator2.id }), 200);
  expectStatus(await off().post(`/api/v1/projects/${id}/evaluations`, { kind: 'final', evaluatorId: evaluator.id }), 200);
  const outsider = await createUser(stack, ['evaluator']);
  const before = await footprint(stack, id);
  const wrongSeat = await as(stack, evaluator2).put(`/api/v1/projects/${id}/evaluations/final`, { scores: indicatorScores(s.rules, 99), comments: 'mine now' });
  expect(wrongSeat.status).toBe(403);
  const unassigned = await as(stack, outsider).put(`/api/v1/projects/${id}/evaluations/final`, { scores: indicatorScores(s.rules, 99), comments: 'hello' });
  expect(unassigned.status).toBe(404);
  expect(await footprint(stack, id)).toEqual(before);
});

test('a mid-term evaluation in delivery is graded but does not move the stage', async () => {
  const id = await projectIn('delivery');
  const assigned = await off().post(`/api/v1/projects/${id}/evaluations`, { kind: 'mid_term', evaluatorId: evaluator2.id });
  expect(assigned.status).toBe(200);
  expect(assigned.body.stage).toBe('delivery');
  const filed = await as(stack, evaluator2).put(`/api/v1/projects/${id}/evaluations/mid_term`, { scores: indicatorScores(s.rules, 75), comments: 'on track' });
  expect(filed.status).toBe(200);
  expect(filed.body.stage).toBe('delivery');
  expect((await stack.db('projects').where({ id }).first('stage')).stage).toBe('delivery');
  expect(await stack.db('evaluations').where({ project_id: id }).first('kind', 'score', 'grade', 'subsidy')).toEqual({ kind: 'mid_term', score: '75.00', grade: 'pass', subsidy: null });
  expect(await stack.db('tasks').where({ project_id: id, kind: 'evaluate' }).select('user_id', 'status')).toEqual([{ user_id: evaluator2.id, status: 'done' }]);
});

test('a failing final evaluation holds the final tranche; rectification, re-evaluation and closure follow', async () => {
  const id = await projectIn('evaluation');
  const ev = () => as(stack, evaluator);
  const failed = await ev().put(`/api/v1/projects/${id}/evaluations/final`, { scores: indicatorScores(s.rules, 40), comments: 'far behind' });
  expect(failed.status).toBe(200);
  expect(failed.body.stage).toBe('evaluation');
  const listed = await off().get(`/api/v1/projects/${id}/evaluations`);
  expect(listed.body.items[0]).toMatchObject({ kind: 'final', score: 40, grade: 'fail', gradeLabel: '不合格', subsidy: { releaseFen: 0, holdFen: 2_000_000, clawbackFen: 0 } });

  const ordered = await off().post(`/api/v1/projects/${id}/rectification`, { reason: 'outcomes far below target' });
  expect(ordered.status).toBe(200);
  expect(ordered.body.stage).toBe('rectification');
  // The evaluation after the rectification is a new round; the failed one keeps its scores and comments.
  expect(ordered.body.evaluations.final).toEqual({ evaluatorId: evaluator.id, submitted: false, grade: null, round: 2 });
  expect(await stack.db('rectifications').where({ project_id: id }).select('cause', 'reason', 'status')).toEqual([{ cause: 'failed_evaluation', reason: 'outcomes far below target', status: 'open' }]);
  const rounds = () => stack.db('evaluations').where({ project_id: id, kind: 'final' }).orderBy('round').select('round', 'evaluator_id', 'score', 'grade', 'comments', stack.db.raw('submitted_at is not null as submitted'));
  expect(await rounds()).toEqual([
    { round: 1, evaluator_id: evaluator.id, score: '40.00', grade: 'fail', comments: 'far behind', submitted: true },
    { round: 2, evaluator_id: evaluator.id, score: null, grade: null, comments: null, submitted: false },
  ]);
  expect(await stack.db('tasks').where({ project_id: id, kind: 'rectification_plan' }).select('status', 'organisation_id')).toEqual([{ status: 'open', organisation_id: s.organisationId }]);

  // The re-evaluation waits for the rectification; closing too.
  const early = await ev().put(`/api/v1/projects/${id}/evaluations/final`, { scores: indicatorScores(s.rules, 85), comments: 'too soon' });
  expect([early.status, early.body.currentStage]).toEqual([409, 'rectification']);
  const closeEarly = await off().post(`/api/v1/projects/${id}/close`, { finalReport: 'x' });
  expect([closeEarly.status, closeEarly.body.currentStage]).toEqual([409, 'rectification']);
  const unplanned = await off().post(`/api/v1/projects/${id}/rectification/complete`, {});
  expect(unplanned.status).toBe(422);

  expectStatus(await app().post(`/api/v1/projects/${id}/rectification/plan`, { plan: 'Weekly visits, new lead' }), 200);
  expect(await stack.db('rectifications').where({ project_id: id }).first('plan', 'status')).toEqual({ plan: 'Weekly visits, new lead', status: 'planned' });
  const completed = await off().post(`/api/v1/projects/${id}/rectification/complete`, { note: 'verified on site' });
  expect(completed.status).toBe(200);
  expect(completed.body.stage).toBe('evaluation');
  expect((await stack.db('rectifications').where({ project_id: id }).first('status')).status).toBe('completed');

  const rescored = await ev().put(`/api/v1/projects/${id}/evaluations/final`, { scores: indicatorScores(s.rules, 85), comments: 'recovered' });
  expect(rescored.status).toBe(200);
  expect(await stack.db('evaluations').where({ project_id: id, kind: 'final' }).orderBy('round', 'desc').first('score', 'grade', 'subsidy')).toEqual({ score: '85.00', grade: 'good', subsidy: { releaseFen: 1_800_000, holdFen: 200_000, clawbackFen: 0 } });
  expect((await rounds()).map((r) => [r.round, r.score, r.grade, r.comments, r.submitted])).toEqual([[1, '40.00', 'fail', 'far behind', true], [2, '85.00', 'good', 'recovered', true]]);
  // Both rounds are listed; the applicant learns the scores but not who evaluated.
  const history = expectStatus(await off().get(`/api/v1/projects/${id}/evaluations`), 200).body.items;
  expect(history.map((e: { kind: string; round: number; grade: string; comments: string; evaluatorId: string }) => [e.kind, e.round, e.grade, e.comments, e.evaluatorId])).toEqual([
    ['final', 1, 'fail', 'far behind', evaluator.id],
    ['final', 2, 'good', 'recovered', evaluator.id],
  ]);
  const seen = expectStatus(await app().get(`/api/v1/projects/${id}/evaluations`), 200);
  expect(seen.body.items.map((e: { round: number; evaluatorId: string | null; score: number }) => [e.round, e.evaluatorId, e.score])).toEqual([[1, null, 40], [2, null, 85]]);
  expect(seen.text).not.toContain(evaluator.id);
  const closed = await off().post(`/api/v1/projects/${id}/close`, { finalReport: 'Recovered after rectification' });
  expect(closed.status).toBe(200);
  expect(closed.body.stage).toBe('closed');
  expect((await stack.db('projects').where({ id }).first('stage')).stage).toBe('closed');
  expect(await eventKinds(stack, id)).toEqual([
    'created', 'designSubmitted', 'panelAssigned', 'reviewScored', 'reviewDecided', 'fundedDirectly', 'evaluatorAssigned', 'evaluationSubmitted',
    'rectificationOpened', 'rectificationPlanned', 'rectificationCompleted', 'evaluationSubmitted', 'closed',
  ]);
  expect(await stack.db('tasks').where({ project_id: id, status: 'open' })).toEqual([]);
});
