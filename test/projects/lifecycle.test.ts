import { startStack, createUser, type Stack, type TestUser } from '../helpers/stack';
import { as } from '../helpers/api';
import { sampleProposal, seedProgramme, type Seeded } from '../helpers/projects';

let stack: Stack;
let s: Seeded;
let officer: TestUser;
let applicant: TestUser;
let reviewer: TestUser;
let supervisor: TestUser;
let evaluator: TestUser;
let needId: string;

beforeAll(async () => {
  stack = await startStack();
  s = await seedProgramme(stack);
  officer = await createUser(stack, ['officer'], { regionId: s.cityId });
  applicant = await createUser(stack, ['applicant'], { organisationId: s.organisationId });
  reviewer = await createUser(stack, ['reviewer']);
  supervisor = await createUser(stack, ['supervisor']);
  evaluator = await createUser(stack, ['evaluator']);
  const [survey] = await stack.db('surveys').insert({ region_id: s.communityId, title: 'Spring survey', conducted_on: '2026-03-01' }).returning('id');
  const [need] = await stack.db('needs')
    .insert({ survey_id: survey.id, region_id: s.communityId, category: 'companionship', target_group: 'elderly', people_affected: 120, urgency: 'high', source: 'grid_worker', description: 'Elderly living alone' })
    .returning('id');
  needId = need.id;
});
afterAll(async () => {
  await stack.close();
});

const today = () => new Date().toISOString().slice(0, 10);
const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

test('a project goes from design to closed through the API, and every stage leaves its record', async () => {
  const app = as(stack, applicant);
  const off = as(stack, officer);
  const created = await app.post(`/api/v1/programmes/${s.programmeId}/projects`, { title: '银龄陪伴 Silver companions', regionId: s.communityId, needIds: [needId], proposal: sampleProposal(5_000_000) });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  expect(created.body.stage).toBe('design');

  // An illegal move names the current stage.
  const early = await off.post(`/api/v1/projects/${id}/review/decision`, { decision: 'approve', comment: '' });
  expect(early.status).toBe(409);
  expect(early.body.currentStage).toBe('design');

  // Two draft saves before the submission: each one is on the timeline.
  expect((await app.put(`/api/v1/projects/${id}/design`, { proposal: sampleProposal(4_000_000) })).status).toBe(200);
  expect((await app.put(`/api/v1/projects/${id}/design`, { proposal: sampleProposal(5_000_000), title: '银龄陪伴 Silver companions II' })).status).toBe(200);
  expect((await app.post(`/api/v1/projects/${id}/design/submit`)).status).toBe(200);
  const panel = await off.post(`/api/v1/projects/${id}/review/panel`, {});
  expect(panel.status).toBe(200);
  expect(panel.body.panel.map((p: { reviewerId: string }) => p.reviewerId)).toEqual([reviewer.id]);

  const scores = Object.fromEntries(s.rules.review.criteria.map((c) => [c.key, c.maxScore - 1]));
  const scored = await as(stack, reviewer).put(`/api/v1/projects/${id}/review/score`, { scores, comments: '很好' });
  expect(scored.status).toBe(200);
  const decided = await off.post(`/api/v1/projects/${id}/review/decision`, { decision: 'approve', comment: 'fund it' });
  expect(decided.status).toBe(200);
  expect(decided.body.stage).toBe('approved');

  const funded = await off.post(`/api/v1/projects/${id}/agreement`, {
    amountFen: 5_000_000, startDate: today(), endDate: inDays(365),
    tranches: [{ name: 'first', amountFen: 3_000_000, releaseOn: today() }, { name: 'final', amountFen: 2_000_000, releaseOn: inDays(365) }],
  });
  expect(funded.status).toBe(200);
  expect(funded.body.stage).toBe('delivery');
  expect(funded.body.reports).toHaveLength(1);

  const volunteer = await as(stack, applicant).post('/api/v1/volunteers', { name: '王芳' });
  const record = await app.post(`/api/v1/projects/${id}/service-records`, { activity: 'Home visits', heldOn: today(), place: 'Community hall', peopleServed: 12, volunteers: [{ volunteerId: volunteer.body.id, hours: 3.5 }] }, { 'Idempotency-Key': 'visit-1' });
  expect(record.status).toBe(201);
  const retry = await app.post(`/api/v1/projects/${id}/service-records`, { activity: 'Home visits', heldOn: today(), place: 'Community hall', peopleServed: 12, volunteers: [{ volunteerId: volunteer.body.id, hours: 3.5 }] }, { 'Idempotency-Key': 'visit-1' });
  expect(retry.status).toBe(201);
  expect(retry.body.id).toBe(record.body.id);
  const bank = await app.get(`/api/v1/volunteers/${volunteer.body.id}`);
  expect(bank.body.timeBank).toEqual({ volunteerId: volunteer.body.id, hours: 3.5, earnedPoints: 35, redeemedPoints: 0, balance: 35 });

  expect((await app.post(`/api/v1/projects/${id}/spending`, { budgetItem: 'Activities', amountFen: 100_000, spentOn: today() })).status).toBe(201);
  const report = await app.post(`/api/v1/projects/${id}/reports`, { period: 1, summary: 'Month one', indicatorProgress: [{ name: 'home visits', achieved: 10 }] });
  expect(report.status).toBe(201);
  const again = await app.post(`/api/v1/projects/${id}/reports`, { period: 1, summary: 'Month one again', indicatorProgress: [] });
  expect(again.status).toBe(409);

  expect((await off.post(`/api/v1/projects/${id}/supervisor`, { supervisorId: supervisor.id })).status).toBe(200);
  const dims = Object.fromEntries(s.rules.monitoring.supervisionDimensions.map((d) => [d.key, 90]));
  const visit = await as(stack, supervisor).post(`/api/v1/projects/${id}/supervision-visits`, { visitedOn: today(), scores: dims });
  expect(visit.status).toBe(201);
  expect(visit.body.supervisionIndex).toBe(90);

  expect((await off.post(`/api/v1/projects/${id}/evaluations`, { kind: 'final', evaluatorId: evaluator.id })).status).toBe(200);
  const indicators = Object.fromEntries(s.rules.evaluation.indicators.map((i) => [i.key, 95]));
  const evaluation = await as(stack, evaluator).put(`/api/v1/projects/${id}/evaluations/final`, { scores: indicators, comments: 'excellent work' });
  expect(evaluation.status).toBe(200);
  const evaluations = await off.get(`/api/v1/projects/${id}/evaluations`);
  expect(evaluations.body.items[0]).toMatchObject({ kind: 'final', score: 95, grade: 'excellent', gradeLabel: '优秀', subsidy: { releaseFen: 2_000_000, holdFen: 0, clawbackFen: 0 } });

  const closed = await off.post(`/api/v1/projects/${id}/close`, { finalReport: 'Served 12 people' });
  expect(closed.status).toBe(200);
  expect(closed.body.stage).toBe('closed');
  const after = await off.post(`/api/v1/projects/${id}/withdraw`, { reason: 'too late' });
  expect(after.status).toBe(409);
  expect(after.body.currentStage).toBe('closed');

  const timeline = await off.get(`/api/v1/projects/${id}/timeline`);
  // The timeline starts with the creation and shows the draft saves.
  expect(timeline.body.items.slice(0, 3).map((e: { kind: string; actorId: string; data: Record<string, unknown> }) => [e.kind, e.actorId, e.data.amountAskedFen ?? null])).toEqual([
    ['created', applicant.id, null], ['draftSaved', applicant.id, 4_000_000], ['draftSaved', applicant.id, 5_000_000],
  ]);
  expect(timeline.body.items[0].data).toEqual({ title: '银龄陪伴 Silver companions', programmeId: s.programmeId });
  expect(timeline.body.items.map((e: { kind: string }) => e.kind)).toEqual([
    'created', 'draftSaved', 'draftSaved', 'designSubmitted', 'panelAssigned', 'reviewScored', 'reviewDecided', 'fundedDirectly', 'serviceRecorded', 'spendingRecorded',
    'monthlyReportSubmitted', 'supervisionVisited', 'evaluatorAssigned', 'evaluationSubmitted', 'closed',
  ]);
  const row = await stack.db('projects').where({ id }).first();
  expect(row.stage).toBe('closed');
  const open = await stack.db('tasks').where({ project_id: id, status: 'open' });
  expect(open).toEqual([]);
});
