// Issue 10 §1: no project trapped in rectification. A rectification may re-plan what made the project red, completion
// re-grades on the rectified facts, and a fact a completed rectification answered does not re-open one by itself.
import { startStack, createUser, type Stack, type TestUser } from '../helpers/stack';
import { as } from '../helpers/api';
import { seedProgramme, type Seeded } from '../helpers/projects';
import { agreementTerms, createCast, createProject, driveTo, expectStatus, inDays, indicatorScores, seedNeed, today, type Cast } from '../helpers/lifecycle';

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

const app = () => as(stack, cast.applicant);
const off = () => as(stack, cast.officer);
const goodScores = () => Object.fromEntries(s.rules.monitoring.supervisionDimensions.map((d) => [d.key, 92]));
const stageOf = async (id: string) => (await stack.db('projects').where({ id }).first('stage')).stage as string;

/** Funded 8,500,000 fen, then 4,800,000 spent at once: red for spending off plan, so in rectification. */
async function redForEarlySpending(terms = agreementTerms(8_500_000, 2_500_000)): Promise<string> {
  const id = await createProject(stack, cast.applicant, s, needId);
  await driveTo(stack, cast, s.rules, id, 'approved');
  expectStatus(await off().post(`/api/v1/projects/${id}/agreement`, terms), 200);
  expectStatus(await off().post(`/api/v1/projects/${id}/supervisor`, { supervisorId: supervisor.id }), 200);
  const spent = expectStatus(await app().post(`/api/v1/projects/${id}/spending`, { budgetItem: 'Activities', amountFen: 4_800_000, spentOn: today() }, { 'Accept-Language': 'en' }), 201);
  expect(spent.body.live).toMatchObject({ stage: 'rectification', colour: 'red', colourReasons: [expect.stringMatching(/^spending 5\d\.\d% off plan \(red at 30%\)$/)] });
  return id;
}

test('the colour reasons read in Chinese by default, in the live state and in the monitoring record, and in English on request', async () => {
  const id = await redForEarlySpending();
  const live = expectStatus(await app().get(`/api/v1/projects/${id}`), 200);
  expect(live.body.live.colourReasons).toEqual([expect.stringMatching(/^支出偏离计划 5\d\.\d%（30% 起为红色）$/)]);
  expect(live.body.live).not.toHaveProperty('colourReasonMessages');
  const record = expectStatus(await app().get(`/api/v1/projects/${id}/monitoring`), 200);
  expect(record.body.colourChanges.at(-1)).toMatchObject({ to: 'red', reasons: [expect.stringMatching(/^支出偏离计划 5\d\.\d%（30% 起为红色）$/)] });
  const recordEn = expectStatus(await app().get(`/api/v1/projects/${id}/monitoring`).set('Accept-Language', 'en'), 200);
  expect(recordEn.body.colourChanges.at(-1).reasons).toEqual([expect.stringMatching(/^spending 5\d\.\d% off plan \(red at 30%\)$/)]);
});

test('after a plan, a good visit and the report, completing the rectification of early spending leaves the project in delivery, and it can be evaluated and closed', async () => {
  const id = await redForEarlySpending();
  expectStatus(await app().post(`/api/v1/projects/${id}/rectification/plan`, { plan: 'The equipment was bought up front; the rest follows the plan' }), 200);
  expectStatus(await as(stack, supervisor).post(`/api/v1/projects/${id}/supervision-visits`, { visitedOn: today(), scores: goodScores() }), 201);
  expectStatus(await app().post(`/api/v1/projects/${id}/reports`, { period: 1, summary: 'Month one', indicatorProgress: [{ name: 'home visits', achieved: 12 }] }), 201);

  const completed = expectStatus(await off().post(`/api/v1/projects/${id}/rectification/complete`, { note: 'explained and checked' }), 200);
  // Still red on the same spending, which the rectification answered: no new rectification.
  expect(completed.body).toMatchObject({ stage: 'delivery', colour: 'red', rectification: null, answeredFacts: expect.objectContaining({ spendingDeviationPct: expect.any(Number) }) });
  expect(await stageOf(id)).toBe('delivery');
  expect(await stack.db('rectifications').where({ project_id: id }).select('status')).toEqual([{ status: 'completed' }]);
  expect(await stack.db('tasks').where({ project_id: id, kind: 'rectification_plan', status: 'open' })).toEqual([]);

  // A fact no worse than the answered ones (another good visit) does not re-open one either.
  const visited = expectStatus(await as(stack, supervisor).post(`/api/v1/projects/${id}/supervision-visits`, { visitedOn: today(), scores: goodScores() }), 201);
  expect(visited.body.stage).toBe('delivery');

  expectStatus(await off().post(`/api/v1/projects/${id}/evaluations`, { kind: 'final', evaluatorId: cast.evaluator.id }), 200);
  expectStatus(await as(stack, cast.evaluator).put(`/api/v1/projects/${id}/evaluations/final`, { scores: indicatorScores(s.rules, 85), comments: 'recovered' }), 200);
  expect(expectStatus(await off().post(`/api/v1/projects/${id}/close`, { finalReport: 'Delivered' }), 200).body.stage).toBe('closed');
  expect(await stageOf(id)).toBe('closed');
});

test('after an answered rectification a new fact (more spending, further off plan) opens a new one', async () => {
  const id = await redForEarlySpending();
  expectStatus(await app().post(`/api/v1/projects/${id}/rectification/plan`, { plan: 'Explain the purchase' }), 200);
  expect(expectStatus(await off().post(`/api/v1/projects/${id}/rectification/complete`, {}), 200).body.stage).toBe('delivery');
  const more = expectStatus(await app().post(`/api/v1/projects/${id}/spending`, { budgetItem: 'Activities', amountFen: 500_000, spentOn: today() }), 201);
  expect(more.body.live).toMatchObject({ stage: 'rectification', rectification: expect.objectContaining({ cause: 'red_grade', planned: false }) });
  expect(await stack.db('rectifications').where({ project_id: id }).orderBy('created_at').select('status')).toEqual([{ status: 'completed' }, { status: 'open' }]);
});

test('a plan that re-plans spending and indicator targets is graded on them once completed: the project is back in delivery and green', async () => {
  // Half-way through its term (started 180 days ago), nothing spent and little achieved: red on both counts.
  const terms = { ...agreementTerms(8_500_000, 2_500_000), startDate: inDays(-180), endDate: inDays(185) };
  const id = await createProject(stack, cast.applicant, s, needId);
  await driveTo(stack, cast, s.rules, id, 'approved');
  expectStatus(await off().post(`/api/v1/projects/${id}/agreement`, terms), 200);
  const report = expectStatus(await app().post(`/api/v1/projects/${id}/reports`, { period: 1, summary: 'Slow start', indicatorProgress: [{ name: 'home visits', achieved: 6 }] }, { 'Accept-Language': 'en' }), 201);
  expect(report.body).toMatchObject({ stage: 'rectification', colour: 'red' });
  expect(report.body.colourReasons).toEqual([expect.stringMatching(/^spending 4\d\.\d% off plan/), expect.stringMatching(/^indicators 4\d\.\d% behind schedule/)]);

  const planned = expectStatus(
    await app().post(`/api/v1/projects/${id}/rectification/plan`, {
      plan: 'Start from now: spend evenly over the rest of the term; ten home visits is what the team can do',
      spendingPlan: [{ on: today(), cumulativeFen: 0 }],
      indicatorTargets: [{ name: 'home visits', target: 10 }],
    }),
    200,
  );
  // Not yet accepted: the colour still stands.
  expect(planned.body.colour).toBe('red');
  expect(await stack.db('rectifications').where({ project_id: id }).first('spending_plan', 'indicator_targets')).toEqual({
    spending_plan: [{ on: today(), cumulativeFen: 0 }],
    indicator_targets: [{ name: 'home visits', target: 10 }],
  });

  const completed = expectStatus(await off().post(`/api/v1/projects/${id}/rectification/complete`, {}), 200);
  expect(completed.body).toMatchObject({ stage: 'delivery', colour: 'green', colourReasons: [] });
  const monitoring = expectStatus(await off().get(`/api/v1/projects/${id}/monitoring`), 200).body;
  expect(monitoring.colourChanges.at(-1)).toMatchObject({ from: 'red', to: 'green', reasons: [] });
  expect(monitoring.colourChanges.at(-1).facts).toMatchObject({ spendingDeviationPct: expect.any(Number), indicatorLagPct: 0 });
  expect(monitoring.colourChanges.at(-1).facts.spendingDeviationPct).toBeLessThan(10);
});

test('a revised plan outside the agreement, falling, or naming an unknown indicator is refused with 422 naming each field, and nothing is written', async () => {
  const id = await redForEarlySpending();
  const before = await stack.db('rectifications').where({ project_id: id }).select('status', 'plan', 'spending_plan');
  const res = await app().post(`/api/v1/projects/${id}/rectification/plan`, {
    plan: 'Re-plan',
    spendingPlan: [{ on: inDays(10), cumulativeFen: 5_000_000 }, { on: inDays(5), cumulativeFen: 4_000_000 }, { on: inDays(400), cumulativeFen: 9_000_000 }],
    indicatorTargets: [{ name: 'parties', target: 3 }],
  });
  expect(res.status).toBe(422);
  expect(res.body.errors.map((e: { field: string; rule: string }) => [e.field, e.rule])).toEqual([
    ['/body/spendingPlan/1/on', 'dates-rise'],
    ['/body/spendingPlan/1/cumulativeFen', 'cumulative'],
    ['/body/spendingPlan/2/on', 'within-agreement'],
    ['/body/spendingPlan/2/cumulativeFen', 'within-amount'],
    ['/body/indicatorTargets/0/name', 'indicator'],
  ]);
  expect(await stack.db('rectifications').where({ project_id: id }).select('status', 'plan', 'spending_plan')).toEqual(before);
});
