// What a project's readers may not learn: who reviewed it (issue 9 item 7), and, for a judge of a blind contest, whose
// entry it is (issue 9, blind contests).
import { startStack, createUser, type Stack, type TestUser } from '../helpers/stack';
import { as } from '../helpers/api';
import { seedApprovedProject, seedProgramme, type Seeded } from '../helpers/projects';
import { createCast, createProject, driveTo, expectStatus, indicatorScores, rubricScores, seedNeed, type Cast } from '../helpers/lifecycle';
import { contestBody, enterProjects, openContest } from '../helpers/contests';

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

/** Every answer an applicant gets about the project, as one text to search. */
async function everythingTheApplicantReads(projectId: string): Promise<string> {
  const app = as(stack, cast.applicant);
  const answers = await Promise.all([
    app.get(`/api/v1/projects/${projectId}`),
    app.get(`/api/v1/projects/${projectId}/timeline`),
    app.get(`/api/v1/projects/${projectId}/review`),
    app.get(`/api/v1/projects?limit=100`),
  ]);
  for (const a of answers) expectStatus(a, 200);
  return answers.map((a) => JSON.stringify(a.body)).join('\n');
}

describe("reviewers' identity", () => {
  test('while in review and after the decision, no answer an applicant reads names a reviewer, and the officer still sees the panel', async () => {
    const id = await createProject(stack, cast.applicant, s, needId, { title: 'Hidden panel 隐名评审' });
    const submitted = expectStatus(await as(stack, cast.applicant).post(`/api/v1/projects/${id}/design/submit`), 200).body;
    expect(submitted.stage).toBe('review');
    const off = as(stack, cast.officer);
    const assigned = expectStatus(await off.post(`/api/v1/projects/${id}/review/panel`, { reviewerIds: [cast.reviewer.id] }), 200).body;
    expect(assigned.panel.map((p: { reviewerId: string }) => p.reviewerId)).toEqual([cast.reviewer.id]);
    expectStatus(await as(stack, cast.reviewer).put(`/api/v1/projects/${id}/review/score`, { scores: rubricScores(s.rules, 1), comments: 'sound' }), 200);

    // In review: the live state, the timeline (panelAssigned, reviewScored) and the review hide the reviewer.
    const inReview = await everythingTheApplicantReads(id);
    expect(inReview).not.toContain(cast.reviewer.id);
    expect(inReview).not.toContain(cast.reviewer.login);
    const live = expectStatus(await as(stack, cast.applicant).get(`/api/v1/projects/${id}`), 200).body.live;
    expect(live.panel).toEqual([expect.objectContaining({ reviewerId: null, scored: true })]);
    const timeline = expectStatus(await as(stack, cast.applicant).get(`/api/v1/projects/${id}/timeline`), 200).body.items;
    expect(timeline.find((e: { kind: string }) => e.kind === 'panelAssigned').data.reviewerIds).toEqual([null]);
    expect(timeline.find((e: { kind: string }) => e.kind === 'reviewScored')).toMatchObject({ actorId: null, actorName: null });

    const decided = expectStatus(await off.post(`/api/v1/projects/${id}/review/decision`, { decision: 'approve', comment: 'fund it' }), 200).body;
    expect(decided.stage).toBe('approved');
    const afterDecision = await everythingTheApplicantReads(id);
    expect(afterDecision).not.toContain(cast.reviewer.id);
    const review = expectStatus(await as(stack, cast.applicant).get(`/api/v1/projects/${id}/review`), 200).body;
    expect(review.decision.scoreSheet.totals).toEqual([expect.objectContaining({ reviewerId: null })]);

    // The officer over the project sees who reviewed, and so does the reviewer, their own seat.
    const officerTimeline = expectStatus(await off.get(`/api/v1/projects/${id}/timeline`), 200).body.items;
    expect(officerTimeline.find((e: { kind: string }) => e.kind === 'panelAssigned').data.reviewerIds).toEqual([cast.reviewer.id]);
    expect(expectStatus(await off.get(`/api/v1/projects/${id}/review`), 200).body.decision.scoreSheet.totals[0].reviewerId).toBe(cast.reviewer.id);
    const own = expectStatus(await as(stack, cast.reviewer).get(`/api/v1/projects/${id}`), 200).body.live;
    expect(own.panel[0].reviewerId).toBe(cast.reviewer.id);

    // What is hidden is the answer, not the record: the database keeps who reviewed.
    const seats = await stack.db('review_assignments').where({ project_id: id }).select('reviewer_id');
    expect(seats.map((r) => r.reviewer_id)).toEqual([cast.reviewer.id]);
    const decision = await stack.db('review_decisions').where({ project_id: id }).first('score_sheet');
    expect(decision.score_sheet.totals[0].reviewerId).toBe(cast.reviewer.id);
  });
});

describe("evaluators' identity", () => {
  test('no answer an applicant reads names the evaluator, neither in evaluation nor after the evaluation; the officer and the evaluator see it', async () => {
    const id = await createProject(stack, cast.applicant, s, needId, { title: 'Hidden evaluator 隐名评估' });
    await driveTo(stack, cast, s.rules, id, 'evaluation');
    const evaluations = () => as(stack, cast.applicant).get(`/api/v1/projects/${id}/evaluations`);
    const pending = await everythingTheApplicantReads(id) + JSON.stringify((await evaluations()).body);
    expect(pending).not.toContain(cast.evaluator.id);
    const live = expectStatus(await as(stack, cast.applicant).get(`/api/v1/projects/${id}`), 200).body.live;
    expect(live.evaluations.final).toEqual({ evaluatorId: null, submitted: false, grade: null });
    expect(live.pendingActions).toEqual([{ action: 'submitEvaluation final', who: 'evaluator' }]);

    expectStatus(await as(stack, cast.evaluator).put(`/api/v1/projects/${id}/evaluations/final`, { scores: indicatorScores(s.rules, 85), comments: 'good' }), 200);
    const listed = expectStatus(await evaluations(), 200);
    expect(listed.body.items).toEqual([expect.objectContaining({ kind: 'final', round: 1, evaluatorId: null, score: 85, comments: 'good' })]);
    expect(await everythingTheApplicantReads(id) + listed.text).not.toContain(cast.evaluator.id);
    const timeline = expectStatus(await as(stack, cast.applicant).get(`/api/v1/projects/${id}/timeline`), 200).body.items;
    expect(timeline.find((e: { kind: string }) => e.kind === 'evaluationSubmitted')).toMatchObject({ actorId: null, actorName: null });

    expect(expectStatus(await as(stack, cast.officer).get(`/api/v1/projects/${id}/evaluations`), 200).body.items[0].evaluatorId).toBe(cast.evaluator.id);
    expect(expectStatus(await as(stack, cast.evaluator).get(`/api/v1/projects/${id}/evaluations`), 200).body.items[0].evaluatorId).toBe(cast.evaluator.id);
  });
});

describe('blind contests', () => {
  test("a judge who sat on the project's review panel cannot find the entered project through the project library until the ranking is published", async () => {
    const judge = await createUser(stack, ['reviewer']);
    const organiser = await createUser(stack, ['organiser'], { regionId: s.cityId });
    const title = `Blind entry ${Date.now()}`;
    const projectId = await seedApprovedProject(stack, s, judge.id, { title });
    // Before the contest the panel seat shows the project.
    const before = expectStatus(await as(stack, judge).get(`/api/v1/projects?q=${encodeURIComponent(title)}`), 200).body;
    expect(before.items.map((p: { id: string }) => p.id)).toEqual([projectId]);

    const contestId = await openContest(stack, organiser, contestBody(s, { blind: true, name: `Blind contest ${Date.now()}` }));
    expectStatus(await as(stack, organiser).post(`/api/v1/contests/${contestId}/judges`, { userIds: [judge.id] }), 200);
    await enterProjects(stack, organiser, contestId, [{ projectId, trackKey: 'elderly' }]);

    const search = expectStatus(await as(stack, judge).get(`/api/v1/projects?q=${encodeURIComponent(title)}`), 200).body;
    expect(search.items).toEqual([]);
    expect((await as(stack, judge).get(`/api/v1/projects/${projectId}`)).status).toBe(404);
    expect((await as(stack, judge).get(`/api/v1/projects/${projectId}/timeline`)).status).toBe(404);
    // The entry and the seat are still there: blindness hides, it does not remove.
    expect(await stack.db('contest_entries').where({ contest_id: contestId, project_id: projectId }).first('status')).toEqual({ status: 'entered' });
    expect(await stack.db('review_assignments').where({ project_id: projectId, reviewer_id: judge.id }).first('reviewer_id')).toBeTruthy();
    // The organiser running the contest still finds it.
    const organiserSearch = expectStatus(await as(stack, organiser).get(`/api/v1/projects?q=${encodeURIComponent(title)}`), 200).body;
    expect(organiserSearch.items.map((p: { id: string }) => p.id)).toEqual([projectId]);

    // Once the ranking is published the contest is no longer blind: the seat shows the project again.
    await stack.db('contests').where({ id: contestId }).update({ published_at: new Date() });
    const after = expectStatus(await as(stack, judge).get(`/api/v1/projects?q=${encodeURIComponent(title)}`), 200).body;
    expect(after.items.map((p: { id: string }) => p.id)).toEqual([projectId]);
  });

  test('a judge of an open contest that is not blind still finds the project their review panel seat shows', async () => {
    const judge: TestUser = await createUser(stack, ['reviewer']);
    const organiser = await createUser(stack, ['organiser'], { regionId: s.cityId });
    const title = `Open entry ${Date.now()}`;
    const projectId = await seedApprovedProject(stack, s, judge.id, { title });
    const contestId = await openContest(stack, organiser, contestBody(s, { blind: false, name: `Open contest ${Date.now()}` }));
    expectStatus(await as(stack, organiser).post(`/api/v1/contests/${contestId}/judges`, { userIds: [judge.id] }), 200);
    await enterProjects(stack, organiser, contestId, [{ projectId, trackKey: 'elderly' }]);
    const search = expectStatus(await as(stack, judge).get(`/api/v1/projects?q=${encodeURIComponent(title)}`), 200).body;
    expect(search.items.map((p: { id: string }) => p.id)).toEqual([projectId]);
    expect(await stack.db('contest_entries').where({ contest_id: contestId, project_id: projectId }).first('status')).toEqual({ status: 'entered' });
  });
});
