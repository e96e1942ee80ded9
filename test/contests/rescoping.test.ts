import { startStack, createUser, type Stack, type TestUser } from '../helpers/stack';
import { seedProgramme, seedApprovedProject, type Seeded } from '../helpers/projects';
import { as, eventually } from '../helpers/api';
import { allAssignments, contestBody, expectStatus, onlineRound, scoreAll } from '../helpers/contests';

// Re-scoping a partial award (issue #10 §4): an entry the contest funds only in part does not go to delivery with the
// budget it asked for. The applicant accepts a budget re-scoped to the award, or declines (the project goes back to
// the library and the money back to the pool), by a deadline after which it counts as declined.

jest.setTimeout(240_000);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
});

const ASKED = 5_300_000; // 53,000 yuan asked
const AWARD = 500_000; // 5,000 yuan from the matching pool (the cap per entry)
const SMALL = 100_000; // a small ask the pool covers in full

const stageOf = async (projectId: string) => (await stack.db('projects').where({ id: projectId }).first('stage')).stage as string;
const entryOf = (contestId: string, projectId: string) => stack.db('contest_entries').where({ contest_id: contestId, project_id: projectId }).first();

/** Approved projects entered in one contest, one online round scored, the ranking published and the awards made from the matching pool. */
async function awardedContest(s: Seeded, asks: number[], settings: { matchingPoolFen: number; rescopingDeadline?: string }): Promise<{ contestId: string; projectIds: string[]; organiser: TestUser }> {
  const reviewer = await createUser(stack, ['reviewer', 'officer']);
  const organiser = await createUser(stack, ['organiser'], { regionId: s.cityId });
  const judgeList = await Promise.all([createUser(stack, ['reviewer']), createUser(stack, ['reviewer'])]);
  const judges = new Map(judgeList.map((j) => [j.id, j]));
  const projectIds = await Promise.all(asks.map((amountAskedFen, i) => seedApprovedProject(stack, s, reviewer.id, { title: `rescoping ${i}`, amountAskedFen })));
  const org = as(stack, organiser);
  const body = {
    ...contestBody(s, { tracks: [{ key: 'elderly', name: '为老服务 Elderly' }], rounds: [onlineRound({ judgesPerEntry: 2 })], matchingPoolFen: settings.matchingPoolFen, matchingCapPerEntryFen: AWARD }),
    ...(settings.rescopingDeadline ? { rescopingDeadline: settings.rescopingDeadline } : {}),
  };
  const contestId = expectStatus(await org.post('/api/v1/contests', body), 201).body.id as string;
  const p = (x: string) => `/api/v1/contests/${contestId}${x}`;
  expectStatus(await org.post(p('/open-entries')), 200);
  for (const projectId of projectIds) expectStatus(await org.post(p('/entries'), { projectId, trackKey: 'elderly' }), 201);
  expectStatus(await org.post(p('/close-entries')), 200);
  expectStatus(await org.post(p('/judges'), { userIds: judgeList.map((j) => j.id) }), 200);
  expectStatus(await org.post(p('/start-judging')), 200);
  const assignments = await allAssignments(stack, organiser, contestId, 'preliminary');
  await scoreAll(stack, contestId, 'preliminary', assignments, judges, () => ({ need: 8, design: 7 }));
  expectStatus(await org.post(p('/close-round')), 200);
  expectStatus(await org.post(p('/publish-ranking')), 200);
  const awarded = expectStatus(await org.post(p('/award'), { startDate: '2027-01-01', endDate: '2027-12-31' }), 200).body;
  expect(awarded.award).toMatchObject({ projectsMoved: asks.length, projectMoveFailures: [] });
  return { contestId, projectIds, organiser };
}

describe('a partial award', () => {
  let s: Seeded;
  let applicant: TestUser;
  let officer: TestUser;
  let contestId: string;
  let organiser: TestUser;
  let accepting: string;
  let declining: string;
  let full: string;

  beforeAll(async () => {
    s = await seedProgramme(stack);
    [applicant, officer] = await Promise.all([createUser(stack, ['applicant'], { organisationId: s.organisationId }), createUser(stack, ['officer'], { regionId: s.cityId })]);
    // The pool covers the small ask in full and gives each large one its cap: 100,000 + 2 × 500,000.
    const c = await awardedContest(s, [ASKED, ASKED, SMALL], { matchingPoolFen: SMALL + 2 * AWARD });
    ({ contestId, organiser } = c);
    [accepting, declining, full] = c.projectIds;
  });

  test('a full award goes straight to delivery with its agreement, as before', async () => {
    expect(await stageOf(full)).toBe('delivery');
    expect(Number((await stack.db('agreements').where({ project_id: full }).first()).amount_fen)).toBe(SMALL);
    expect((await entryOf(contestId, full)).rescoping_status).toBeNull();
  });

  test('waits in rescoping with no agreement, the applicant has the task, and other moves are refused naming the stage', async () => {
    for (const id of [accepting, declining]) {
      expect(await stageOf(id)).toBe('rescoping');
      expect(await stack.db('agreements').where({ project_id: id }).first()).toBeUndefined();
      expect(await entryOf(contestId, id)).toMatchObject({ status: 'awarded', rescoping_status: 'pending' });
    }
    const live = expectStatus(await as(stack, applicant).get(`/api/v1/projects/${accepting}`), 200).body.live;
    expect(live).toMatchObject({ stage: 'rescoping', contestId, rescoping: { contestId, amountAskedFen: ASKED, awardedFen: AWARD, agreement: { amountFen: AWARD } } });
    expect(live.pendingActions).toEqual([{ action: 'acceptRescoping or declineRescoping', who: 'applicant' }]);
    expect(live.openDeadlines).toEqual([{ kind: 'rescoping', dueAt: live.rescoping.dueAt, who: 'applicant' }]);
    // The default deadline: fourteen days.
    const days = (Date.parse(live.rescoping.dueAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(13.9);
    expect(days).toBeLessThanOrEqual(14);

    const tasks = expectStatus(await as(stack, applicant).get(`/api/v1/me/tasks?projectId=${accepting}`), 200).body.items;
    expect(tasks.map((t: { kind: string; dueAt: string }) => [t.kind, t.dueAt])).toEqual([['rescope_budget', live.rescoping.dueAt]]);

    const spending = await as(stack, applicant).post(`/api/v1/projects/${accepting}/spending`, { budgetItem: 'Activities', amountFen: 100, spentOn: '2027-01-02' });
    expect({ status: spending.status, currentStage: spending.body.currentStage }).toEqual({ status: 409, currentStage: 'rescoping' });
    const funded = await as(stack, officer).post(`/api/v1/projects/${accepting}/agreement`, { amountFen: AWARD, startDate: '2027-01-01', endDate: '2027-12-31', tranches: [{ name: 'all', amountFen: AWARD, releaseOn: '2027-01-01' }] });
    expect({ status: funded.status, currentStage: funded.body.currentStage }).toEqual({ status: 409, currentStage: 'rescoping' });
    // A project with a full award has nothing to re-scope.
    const fullAccept = await as(stack, applicant).post(`/api/v1/projects/${full}/rescoping/accept`, { budgetLines: [{ item: 'Activities', amountFen: SMALL }] });
    expect({ status: fullAccept.status, currentStage: fullAccept.body.currentStage }).toEqual({ status: 409, currentStage: 'delivery' });
  });

  test('budget lines that do not add up to the award are refused with 422 naming the rule, and nothing is written', async () => {
    const res = await as(stack, applicant).post(`/api/v1/projects/${accepting}/rescoping/accept`, { budgetLines: [{ item: 'Activities', amountFen: 300_000 }, { item: 'Training', amountFen: 100_000 }] });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: '/body/budgetLines', rule: 'rescoped-budget-sum' })]);
    expect(await stageOf(accepting)).toBe('rescoping');
    expect(await stack.db('design_versions').where({ project_id: accepting }).count({ n: '*' }).first()).toEqual({ n: '1' });
  });

  test('accepting a re-scoped budget starts delivery with it, as a new proposal version beside the one asked for', async () => {
    const lines = [{ item: 'Activities', amountFen: 350_000 }, { item: 'Training', amountFen: 150_000 }];
    const live = expectStatus(await as(stack, applicant).post(`/api/v1/projects/${accepting}/rescoping/accept`, { budgetLines: lines, note: '先做两个社区 two communities first' }), 200).body;
    expect(live).toMatchObject({ stage: 'delivery', rescoping: null, agreement: { amountFen: AWARD } });
    expect(await stageOf(accepting)).toBe('delivery');

    const agreement = await stack.db('agreements').where({ project_id: accepting }).first();
    expect(Number(agreement.amount_fen)).toBe(AWARD);
    expect(agreement.tranches.reduce((sum: number, t: { amountFen: number }) => sum + t.amountFen, 0)).toBe(AWARD);
    const versions = expectStatus(await as(stack, applicant).get(`/api/v1/projects/${accepting}/design/versions`), 200).body.items;
    expect(versions.map((v: { version: number; proposal: { amountAskedFen: number; budgetLines: unknown } }) => [v.version, v.proposal.amountAskedFen, v.proposal.budgetLines])).toEqual([
      [1, ASKED, [{ item: 'Activities', amountFen: ASKED }]],
      [2, AWARD, lines],
    ]);
    // Spending is recorded against the re-scoped lines.
    expectStatus(await as(stack, applicant).post(`/api/v1/projects/${accepting}/spending`, { budgetItem: 'Training', amountFen: 100, spentOn: '2027-01-02' }), 201);

    expect(await entryOf(contestId, accepting)).toMatchObject({ rescoping_status: 'accepted', returned_fen: '0' });
    const tasks = await stack.db('tasks').where({ project_id: accepting, kind: 'rescope_budget' }).select('status');
    expect(tasks).toEqual([{ status: 'done' }]);
    const kinds = (await stack.db('project_events').where({ project_id: accepting }).orderBy('id')).map((e) => e.kind);
    expect(kinds.slice(-3)).toEqual(['rescopingOpened', 'rescopingAccepted', 'spendingRecorded']);
  });

  test('declining sends the project back to the library and the contest results show the money returned', async () => {
    const live = expectStatus(await as(stack, applicant).post(`/api/v1/projects/${declining}/rescoping/decline`, { reason: '5,000 元不足以开展服务 too little to run the service' }), 200).body;
    expect(live).toMatchObject({ stage: 'approved', contestId: null, rescoping: null });
    expect(await stageOf(declining)).toBe('approved');
    expect(await stack.db('agreements').where({ project_id: declining }).first()).toBeUndefined();
    expect(await entryOf(contestId, declining)).toMatchObject({ rescoping_status: 'declined', returned_fen: String(AWARD), rescoping_reason: '5,000 元不足以开展服务 too little to run the service' });
    // The officer's task is back: enter another contest or fund it directly; the applicant's is done.
    expect(live.pendingActions).toEqual([{ action: 'enterContest or fundDirectly', who: 'officer' }]);
    expect(await stack.db('tasks').where({ project_id: declining, status: 'open' }).pluck('kind')).toEqual(['fund_or_enter_contest']);

    const results = expectStatus(await as(stack, organiser).get(`/api/v1/contests/${contestId}/results`), 200).body;
    const byProject = new Map(results.entries.map((e: { projectId: string }) => [e.projectId, e]));
    expect(byProject.get(declining)).toMatchObject({ status: 'awarded', totalFen: AWARD, rescoping: 'declined', returnedFen: AWARD });
    expect(byProject.get(accepting)).toMatchObject({ rescoping: 'accepted', returnedFen: 0 });
    expect(byProject.get(full)).toMatchObject({ rescoping: null, returnedFen: 0 });
    expect(results.totals.overall).toMatchObject({ totalFen: SMALL + 2 * AWARD, returnedFen: AWARD, fundedFen: SMALL + AWARD });
    const csv = expectStatus(await as(stack, organiser).get(`/api/v1/contests/${contestId}/results.csv`), 200).text;
    expect(csv).toContain('放弃资助，资金退回');

    // A declined project is free to be funded directly.
    expectStatus(await as(stack, officer).post(`/api/v1/projects/${declining}/agreement`, { amountFen: ASKED, startDate: '2027-01-01', endDate: '2027-12-31', tranches: [{ name: 'all', amountFen: ASKED, releaseOn: '2027-01-01' }] }), 200);
    expect(await stageOf(declining)).toBe('delivery');
    // Answering again is refused, naming the stage.
    const again = await as(stack, applicant).post(`/api/v1/projects/${declining}/rescoping/decline`, { reason: 'again' });
    expect({ status: again.status, currentStage: again.body.currentStage }).toEqual({ status: 409, currentStage: 'delivery' });
  });
});

test('a partial award not answered by the contest\'s deadline counts as declined', async () => {
  const s = await seedProgramme(stack);
  const { contestId, projectIds: [id] } = await awardedContest(s, [ASKED], { matchingPoolFen: AWARD, rescopingDeadline: 'PT3S' });
  // Wait on the event the timer writes, with a generous bound for a busy machine.
  const declined = await eventually(async () => {
    const ev = await stack.db('project_events').where({ project_id: id, kind: 'rescopingDeclined' }).first();
    expect(ev).toBeDefined();
    return ev;
  }, 90_000);
  expect(declined).toMatchObject({ actor_id: null, data: expect.objectContaining({ contestId, expired: true, returnedFen: AWARD }) });
  expect(await stageOf(id)).toBe('approved');
  expect(await entryOf(contestId, id)).toMatchObject({ rescoping_status: 'expired', returned_fen: String(AWARD) });
  expect(await stack.db('tasks').where({ project_id: id, kind: 'rescope_budget' }).pluck('status')).toEqual(['done']);
  const kinds = (await stack.db('project_events').where({ project_id: id }).orderBy('id')).map((e) => e.kind);
  expect(kinds.slice(-2)).toEqual(['rescopingOpened', 'rescopingDeclined']);
});

test('a project terminated while in rescoping settles its entry as declining does: the award goes back to the pool', async () => {
  const s = await seedProgramme(stack);
  const officer = await createUser(stack, ['officer'], { regionId: s.cityId });
  const { contestId, projectIds: [id], organiser } = await awardedContest(s, [ASKED], { matchingPoolFen: AWARD });
  expect(await stageOf(id)).toBe('rescoping');
  expect(await entryOf(contestId, id)).toMatchObject({ rescoping_status: 'pending', returned_fen: '0' });

  const live = expectStatus(await as(stack, officer).post(`/api/v1/projects/${id}/termination`, { reason: '机构注销 the organisation dissolved' }), 200).body;
  expect(live).toMatchObject({ stage: 'terminated', rescoping: null, pendingActions: [], openDeadlines: [] });
  expect(await entryOf(contestId, id)).toMatchObject({ rescoping_status: 'declined', returned_fen: String(AWARD), rescoping_reason: '机构注销 the organisation dissolved' });
  const ev = await stack.db('project_events').where({ project_id: id, kind: 'terminated' }).first();
  expect(ev.data).toMatchObject({ from: 'rescoping', contestId, returnedFen: AWARD });
  expect(await stack.db('tasks').where({ project_id: id, status: 'open' }).count({ n: '*' }).first()).toEqual({ n: '0' });

  const results = expectStatus(await as(stack, organiser).get(`/api/v1/contests/${contestId}/results`), 200).body;
  expect(results.entries.find((e: { projectId: string }) => e.projectId === id)).toMatchObject({ rescoping: 'declined', returnedFen: AWARD });
  expect(results.totals.overall).toMatchObject({ totalFen: AWARD, returnedFen: AWARD, fundedFen: 0 });
});

test('a contest whose re-scoping deadline is not a duration is refused with 422 naming the field', async () => {
  const s = await seedProgramme(stack);
  const organiser = await createUser(stack, ['organiser'], { regionId: s.cityId });
  const res = await as(stack, organiser).post('/api/v1/contests', { ...contestBody(s), rescopingDeadline: 'PT0S' });
  expect(res.status).toBe(422);
  expect(res.body.errors).toEqual([expect.objectContaining({ field: '/body/rescopingDeadline', rule: 'iso-duration' })]);
});
