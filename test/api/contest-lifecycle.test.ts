import { startStack, createUser, type Stack, type TestUser } from '../helpers/stack';
import { seedProgramme, seedProject, seedApprovedProject, type Seeded } from '../helpers/projects';
import { as, eventually } from '../helpers/api';
import { contestBody, expectStatus, onlineRound, seedOrganisation, allAssignments, scoreAll, TRACKS } from '../helpers/contests';
import { MATCHING_SOURCE_NAME } from '../../activities/contest-awards';
import { backfillCancellations } from '../../db/migrations/20261223000100_contest_cancellation';
import { getContestState } from '../../workflows/messages';
import { refuseWrites } from '../helpers/refusals';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
});

const stageOf = async (projectId: string) => (await stack.db('projects').where({ id: projectId }).first('stage')).stage as string;

/**
 * One contest from setup to award, the way an organiser runs it: two tracks, an online preliminary round and a
 * roadshow of the top two per track, four judges (one from an applicant organisation), two funders, a matching pool.
 * Every figure below is worked out by hand in the comments.
 */
test('a whole contest: entries, two judged rounds, a published ranking, pledges and subscriptions, matching, award', async () => {
  const s: Seeded = await seedProgramme(stack);
  const other = await seedProgramme(stack); // a programme the contest does not take
  const orgA = s.organisationId;
  const [orgB, orgC, companyId, foundationId] = await Promise.all([
    seedOrganisation(stack, s, { name: '阳光社工服务中心 Sunshine' }),
    seedOrganisation(stack, s, { name: '彩虹社工 Rainbow' }),
    seedOrganisation(stack, s, { name: '海天集团 Haitian Group', kind: 'company' }),
    seedOrganisation(stack, s, { name: '慈善基金会 Charity Foundation', kind: 'foundation' }),
  ]);
  const reviewer = await createUser(stack, ['reviewer', 'officer']);
  const organiser = await createUser(stack, ['organiser'], { regionId: s.cityId });
  const applicantA = await createUser(stack, ['applicant'], { organisationId: orgA });
  const applicantB = await createUser(stack, ['applicant'], { organisationId: orgB });
  const judgeList = await Promise.all([
    createUser(stack, ['reviewer'], { organisationId: orgA, login: `judge-a-${Date.now()}` }), // belongs to org A
    createUser(stack, ['reviewer']),
    createUser(stack, ['reviewer']),
    createUser(stack, ['reviewer']),
  ]);
  const judges = new Map(judgeList.map((j) => [j.id, j]));
  const funder1 = await createUser(stack, ['funder'], { organisationId: companyId });
  const funder2 = await createUser(stack, ['funder'], { organisationId: foundationId });

  const seed = (organisationId: string, title: string, amountAskedFen: number) => seedApprovedProject(stack, s, reviewer.id, { organisationId, title, amountAskedFen });
  const [A1, A2, B1, B2, C1, C2] = await Promise.all([
    seed(orgA, 'A1 独居老人探访', 400_000),
    seed(orgA, 'A2 留守儿童课堂', 300_000),
    seed(orgB, 'B1 老年食堂', 500_000),
    seed(orgB, 'B2 社区互助', 100_000),
    seed(orgC, 'C1 认知症照护', 200_000),
    seed(orgC, 'C2 儿童安全教育', 250_000),
  ]);
  const foreign = await seedApprovedProject(stack, other, reviewer.id, { organisationId: orgA, title: 'not eligible' });
  const inDesign = await seedProject(stack, s, { organisationId: orgA, title: 'still in design' });

  // ---- setup: a draft contest with its workflow ----------------------------------------------
  const body = contestBody(s, {
    tracks: TRACKS,
    rounds: [
      onlineRound({ judgesPerEntry: 2, reminderBefore: 'PT10M' }),
      { key: 'roadshow', name: '路演 Roadshow', kind: 'roadshow', topNPerTrack: 2, judgesPerEntry: 2, judgingDeadline: 'P2D', criteria: [{ key: 'pitch', name: '路演表现 Pitch', weight: 100, minScore: 0, maxScore: 100 }] },
    ],
    matchingPoolFen: 300_000,
    matchingCapPerEntryFen: 150_000,
  });
  const created = expectStatus(await as(stack, organiser).post('/api/v1/contests', body), 201);
  const id = created.body.id as string;
  expect(created.body).toMatchObject({ phase: 'draft', normalisation: 'raw_mean', matchingPoolFen: 300_000, allowedMoves: ['openEntries', 'cancel'] });
  expect((await stack.db('contests').where({ id }).first()).phase).toBe('draft');
  const path = (p = '') => `/api/v1/contests/${id}${p}`;
  const org = as(stack, organiser);

  // A draft is the organiser's own: applicants do not see it, and nothing can be entered yet (409 naming the phase).
  expect((await as(stack, applicantA).post(path('/entries'), { projectId: A1, trackKey: 'elderly' })).status).toBe(404);
  const early = await org.post(path('/entries'), { projectId: A1, trackKey: 'elderly' });
  expect(early.status).toBe(409);
  expect(early.body).toMatchObject({ currentStage: 'draft' });

  expect(expectStatus(await org.post(path('/open-entries')), 200).body).toMatchObject({ phase: 'open', contestId: id });
  expect((await stack.db('contests').where({ id }).first()).phase).toBe('open');

  // ---- entries --------------------------------------------------------------------------------
  const enter = (u: TestUser, projectId: string, trackKey: string) => as(stack, u).post(path('/entries'), { projectId, trackKey });
  const eA1 = expectStatus(await enter(applicantA, A1, 'elderly'), 201).body;
  expect(eA1).toMatchObject({ projectId: A1, trackKey: 'elderly', status: 'entered', amountAskedFen: 400_000, organisationId: orgA });
  const eA2 = expectStatus(await enter(applicantA, A2, 'children'), 201).body;
  const eB1 = expectStatus(await enter(applicantB, B1, 'elderly'), 201).body;
  const eB2 = expectStatus(await enter(applicantB, B2, 'elderly'), 201).body;
  const eC1 = expectStatus(await enter(organiser, C1, 'elderly'), 201).body;
  const eC2 = expectStatus(await enter(organiser, C2, 'children'), 201).body;
  for (const p of [A1, A2, B1, B2, C1, C2]) expect(await stageOf(p)).toBe('in_contest');
  // Entering again answers the same entry; another organisation's project is refused; so are the ineligible.
  expect(expectStatus(await enter(applicantA, A1, 'elderly'), 200).body.id).toBe(eA1.id);
  // Another organisation's project answers 404, as an unknown one does (issue 9: no existence oracle).
  expect((await enter(applicantA, B1, 'elderly')).status).toBe(404);
  const ineligible = await enter(applicantA, foreign, 'elderly');
  expect(ineligible.status).toBe(422);
  expect(ineligible.body.errors).toEqual([expect.objectContaining({ field: '/body/projectId', rule: 'programme-eligible' })]);
  const notApproved = await enter(applicantA, inDesign, 'elderly');
  expect(notApproved.status).toBe(409);
  expect(notApproved.body).toMatchObject({ currentStage: 'design' });
  const badTrack = await enter(applicantA, foreign, 'sports');
  expect(badTrack.status).toBe(422);
  expect(await stageOf(foreign)).toBe('approved');
  expect(await stack.db('contest_entries').where({ contest_id: id }).count({ n: '*' }).first()).toEqual({ n: '6' });

  // B2 withdraws before judging: back to the library, still approved.
  expect(expectStatus(await as(stack, applicantB).post(path(`/entries/${eB2.id}/withdraw`), { reason: 'team not ready' }), 200).body).toMatchObject({ status: 'withdrawn' });
  expect(await stageOf(B2)).toBe('approved');
  // Applicant A sees only its own entries.
  const ownList = expectStatus(await as(stack, applicantA).get(path('/entries')), 200).body.items.map((e: { id: string }) => e.id).sort();
  expect(ownList).toEqual([eA1.id, eA2.id].sort());

  expectStatus(await org.post(path('/close-entries')), 200);
  const late = await enter(applicantB, B2, 'elderly');
  expect(late.status).toBe(409);
  expect(late.body.currentStage).toBe('screening');

  // ---- judging: preliminary round ---------------------------------------------------------------
  expectStatus(await org.post(path('/judges'), { userIds: judgeList.map((j) => j.id) }), 200);
  const started = expectStatus(await org.post(path('/start-judging')), 200).body;
  expect(started).toMatchObject({ phase: 'judging', currentRound: 0 });
  expect(started.rounds[0]).toMatchObject({ key: 'preliminary', remindAt: expect.any(String), deadlineAt: expect.any(String) });
  const prelim = await allAssignments(stack, organiser, id, 'preliminary');
  expect(prelim).toHaveLength(10); // 5 entries x 2 judges
  // The judge from organisation A never judges A's entries; load is balanced (10 sheets over 4 judges: 2 or 3 each).
  for (const a of prelim.filter((x) => x.judgeId === judgeList[0].id)) expect([eA1.id, eA2.id]).not.toContain(a.entryId);
  const load = judgeList.map((j) => prelim.filter((a) => a.judgeId === j.id).length);
  expect(Math.max(...load) - Math.min(...load)).toBeLessThanOrEqual(1);
  expect(await stack.db('tasks').where({ contest_id: id, kind: 'contest_score', status: 'open' }).count({ n: '*' }).first()).toEqual({ n: '4' });

  // Publishing now is an illegal move: 409 naming the phase.
  const tooSoon = await org.post(path('/publish-ranking'));
  expect(tooSoon.status).toBe(409);
  expect(tooSoon.body).toMatchObject({ currentStage: 'judging', move: 'publishRanking' });

  // Every judge gives an entry the same sheet, so raw means are the sheet totals:
  // A1 9/8 → 54+32 = 86; C1 8/6 → 72; A2 6/9 → 72; B1 7/7 → 70; C2 5/5 → 50.
  const prelimSheets: Record<string, { need: number; design: number }> = {
    [eA1.id]: { need: 9, design: 8 }, [eC1.id]: { need: 8, design: 6 }, [eA2.id]: { need: 6, design: 9 }, [eB1.id]: { need: 7, design: 7 }, [eC2.id]: { need: 5, design: 5 },
  };
  // Closing with sheets missing is refused and names how many.
  const incomplete = await org.post(path('/close-round'));
  expect(incomplete.status).toBe(422);
  expect(incomplete.body).toMatchObject({ missingCount: 10, errors: [expect.objectContaining({ rule: 'scores-complete' })] });
  await scoreAll(stack, id, 'preliminary', prelim, judges, (entryId) => prelimSheets[entryId]);
  expect(await stack.db('tasks').where({ contest_id: id, kind: 'contest_score', status: 'open' }).count({ n: '*' }).first()).toEqual({ n: '0' });

  // Closing the preliminary round opens the roadshow with the top two of each track.
  // Preliminary ranking: A1 86; C1 72 and A2 72 tie, C1 asks less so it goes first; B1 70; C2 50.
  // Elderly: A1, C1, B1 → A1 and C1 advance; children: A2, C2 → both advance. B1 stops here.
  const closed1 = expectStatus(await org.post(path('/close-round')), 200).body;
  expect(closed1).toMatchObject({ phase: 'judging', currentRound: 1 });
  const prelimRanking = expectStatus(await org.get(path('/ranking?roundKey=preliminary')), 200).body;
  expect(prelimRanking.overall.map((r: { entryId: string; score: number }) => [r.entryId, r.score])).toEqual([[eA1.id, 86], [eC1.id, 72], [eA2.id, 72], [eB1.id, 70], [eC2.id, 50]]);
  const roadshow = await allAssignments(stack, organiser, id, 'roadshow');
  expect(new Set(roadshow.map((a) => a.entryId))).toEqual(new Set([eA1.id, eC1.id, eA2.id, eC2.id]));
  // A late sheet for the closed round is refused.
  const frozen = prelim[0];
  const lateSheet = await as(stack, judges.get(frozen.judgeId)!).put(path(`/rounds/preliminary/scores/${frozen.entryId}`), { scores: { need: 1, design: 1 } });
  expect(lateSheet.status).toBe(409);

  // Roadshow: C1 90, A2 85, A1 80, C2 60.
  const pitch: Record<string, number> = { [eC1.id]: 90, [eA2.id]: 85, [eA1.id]: 80, [eC2.id]: 60 };
  await scoreAll(stack, id, 'roadshow', roadshow, judges, (entryId) => ({ pitch: pitch[entryId] }));
  expect(expectStatus(await org.post(path('/close-round')), 200).body).toMatchObject({ phase: 'results', rankingId: expect.any(String) });

  // Final: the four finalists in roadshow order, then B1 from the preliminary round.
  const final = expectStatus(await org.get(path('/ranking')), 200).body;
  expect(final.overall.map((r: { entryId: string; rank: number; trackRank: number; roundKey: string }) => [r.entryId, r.rank, r.trackRank, r.roundKey])).toEqual([
    [eC1.id, 1, 1, 'roadshow'], [eA2.id, 2, 1, 'roadshow'], [eA1.id, 3, 2, 'roadshow'], [eC2.id, 4, 2, 'roadshow'], [eB1.id, 5, 3, 'preliminary'],
  ]);
  expect(final.byTrack.elderly.map((r: { entryId: string }) => r.entryId)).toEqual([eC1.id, eA1.id, eB1.id]);
  expect(final.publishedAt).toBeNull();
  // Not published yet: funders and applicants do not see it.
  expect((await as(stack, funder1).get(path('/ranking'))).status).toBe(404);
  // The snapshot is immutable, whatever writes to the database.
  await expect(stack.db('contest_ranking_entries').where({ ranking_id: final.id }).update({ rank: 99 })).rejects.toThrow(/immutable/);

  // ---- funding ------------------------------------------------------------------------------------
  const cash = expectStatus(await as(stack, funder1).post(path('/pledges'), { kind: 'cash', valueFen: 500_000, description: '现金 cash' }), 201).body;
  const services = expectStatus(await as(stack, funder1).post(path('/pledges'), { kind: 'services', valueFen: 100_000, description: '法律服务 legal services' }), 201).body;
  const goods = expectStatus(await as(stack, funder2).post(path('/pledges'), { kind: 'goods', valueFen: 300_000, description: '助老物资 supplies' }), 201).body;
  const subscribe = (u: TestUser, pledgeId: string, entryId: string, amountFen: number) => as(stack, u).post(path('/subscriptions'), { pledgeId, entryId, amountFen });
  const notYet = await subscribe(funder1, cash.id, eC1.id, 10_000);
  expect(notYet.status).toBe(409);
  expect(notYet.body.currentStage).toBe('results');

  expect(expectStatus(await org.post(path('/publish-ranking')), 200).body).toMatchObject({ phase: 'funding', publishedAt: expect.any(String) });
  expect(expectStatus(await as(stack, applicantB).get(path('/ranking')), 200).body.overall).toHaveLength(5);
  expect(await stack.db('tasks').where({ contest_id: id, kind: 'contest_subscribe', status: 'open' }).count({ n: '*' }).first()).toEqual({ n: '2' });
  // Each funder finds its task in its own inbox (issue 10 §3).
  for (const f of [funder1, funder2]) {
    const inbox = expectStatus(await as(stack, f).get('/api/v1/me/tasks'), 200).body.items.filter((t: { kind: string; contestId?: string }) => t.kind === 'contest_subscribe');
    expect(inbox).toHaveLength(1);
  }

  expectStatus(await subscribe(funder1, cash.id, eC1.id, 150_000), 201);
  expectStatus(await subscribe(funder1, cash.id, eA2.id, 200_000), 201);
  expectStatus(await subscribe(funder2, goods.id, eA2.id, 50_000), 201);
  expectStatus(await subscribe(funder1, services.id, eB1.id, 100_000), 201);
  const overPledge = await subscribe(funder1, cash.id, eB1.id, 200_000);
  expect(overPledge.status).toBe(422);
  expect(overPledge.body).toMatchObject({ remainingFen: 150_000, errors: [expect.objectContaining({ rule: 'pledge-remaining' })] });
  const overNeed = await subscribe(funder2, goods.id, eC1.id, 60_000);
  expect(overNeed.status).toBe(422);
  expect(overNeed.body).toMatchObject({ remainingFen: 50_000, errors: [expect.objectContaining({ rule: 'entry-need' })] });
  // A funder cannot draw on another funder's pledge.
  expect((await subscribe(funder2, cash.id, eC1.id, 1_000)).status).toBe(404);
  // Each funder sees its own pledges only.
  expect(expectStatus(await as(stack, funder2).get(path('/pledges')), 200).body.items.map((p: { id: string }) => p.id)).toEqual([goods.id]);

  // ---- award ------------------------------------------------------------------------------------
  // Subscribed: C1 150,000 (needs 50,000 more), A2 250,000 (needs 50,000), B1 100,000 (needs 400,000).
  // Matching 300,000, cap 150,000. Subscribed entries first in rank order: C1 50,000, A2 50,000, B1 150,000
  // (cap) → 50,000 left; then the others in rank order: A1 50,000 → spent; C2 nothing.
  const awarded = expectStatus(await org.post(path('/award'), { startDate: '2027-01-01', endDate: '2027-12-31' }), 200).body;
  expect(awarded).toMatchObject({ phase: 'awarded', award: { subscribedFen: 500_000, matchingFen: 300_000, projectsMoved: 5, projectMoveFailures: [] } });
  expect([...awarded.award.awardedEntryIds].sort()).toEqual([eC1.id, eA2.id, eB1.id, eA1.id].sort());
  expect(awarded.award.notAwardedEntryIds).toEqual([eC2.id]);

  const entryRows = await stack.db('contest_entries').where({ contest_id: id }).select('id', 'status', 'subscribed_fen', 'matching_fen');
  const byEntry = new Map(entryRows.map((e) => [e.id, e]));
  expect([eC1, eA2, eB1, eA1, eC2].map((e) => [Number(byEntry.get(e.id).subscribed_fen), Number(byEntry.get(e.id).matching_fen), byEntry.get(e.id).status])).toEqual([
    [150_000, 50_000, 'awarded'], [250_000, 50_000, 'awarded'], [100_000, 150_000, 'awarded'], [0, 50_000, 'awarded'], [0, 0, 'not_awarded'],
  ]);

  // Awarded projects are in delivery with their funding sources; the others are back in the library. B1 (250,000 of
  // 500,000) and A1 (50,000 of 400,000) are funded in part: they wait for their applicant to re-scope the budget.
  for (const p of [C1, A2]) expect(await stageOf(p)).toBe('delivery');
  for (const p of [B1, A1]) expect(await stageOf(p)).toBe('rescoping');
  for (const p of [C2, B2]) expect(await stageOf(p)).toBe('approved');
  const agreementA2 = await stack.db('agreements').where({ project_id: A2 }).first();
  expect(Number(agreementA2.amount_fen)).toBe(300_000);
  expect(agreementA2.funding_sources).toEqual([
    { funderOrganisationId: companyId, name: '海天集团 Haitian Group', kind: 'cash', valueFen: 200_000 },
    { funderOrganisationId: foundationId, name: '慈善基金会 Charity Foundation', kind: 'goods', valueFen: 50_000 },
    { funderOrganisationId: null, name: MATCHING_SOURCE_NAME, kind: 'government', valueFen: 50_000 },
  ]);
  expect(agreementA2.tranches.map((t: { amountFen: number }) => t.amountFen)).toEqual([210_000, 90_000]); // 30% held back
  expect(await stack.db('agreements').where({ project_id: A1 }).first()).toBeUndefined();
  expectStatus(await as(stack, applicantA).post(`/api/v1/projects/${A1}/rescoping/accept`, { budgetLines: [{ item: 'Activities', amountFen: 50_000 }] }), 200);
  expect(await stageOf(A1)).toBe('delivery');
  expect((await stack.db('agreements').where({ project_id: A1 }).first()).funding_sources).toEqual([{ funderOrganisationId: null, name: MATCHING_SOURCE_NAME, kind: 'government', valueFen: 50_000 }]);
  expect(await stack.db('agreements').where({ project_id: C2 }).first()).toBeUndefined();
  const c2Events = (await stack.db('project_events').where({ project_id: C2 }).orderBy('id')).map((e) => e.kind);
  expect(c2Events.slice(-2)).toEqual(['enteredContest', 'leftContest']);

  // Results, as JSON and CSV.
  const results = expectStatus(await org.get(path('/results')), 200).body;
  expect(results.totals.overall).toMatchObject({ rankedEntries: 5, subscribedEntries: 3, awardedEntries: 4, funders: 2, pledgedFen: 900_000, subscribedFen: 500_000, matchingFen: 300_000, totalFen: 800_000 });
  expect(results.totals.byKind).toEqual({ cash: 350_000, goods: 50_000, services: 100_000, government: 300_000 });
  expect(results.totals.byTrack).toEqual([
    expect.objectContaining({ trackKey: 'elderly', ranked: 3, subscribedFen: 250_000, matchingFen: 250_000, totalFen: 500_000 }),
    expect.objectContaining({ trackKey: 'children', ranked: 2, subscribedFen: 250_000, matchingFen: 50_000, totalFen: 300_000 }),
  ]);
  expect(results.totals.byFunder).toEqual([
    expect.objectContaining({ funderOrganisationId: foundationId, pledgedFen: 300_000, subscribedFen: 50_000, remainingFen: 250_000 }),
    expect.objectContaining({ funderOrganisationId: companyId, pledgedFen: 600_000, subscribedFen: 450_000, remainingFen: 150_000 }),
  ]);
  // A funder sees its own totals only.
  expect(expectStatus(await as(stack, funder2).get(path('/results')), 200).body.totals.byFunder.map((f: { funderOrganisationId: string }) => f.funderOrganisationId)).toEqual([foundationId]);
  const csv = expectStatus(await org.get(path('/results.csv')), 200);
  expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
  // Headers and statuses in Chinese by default, in English with Accept-Language: en.
  expect(csv.text.startsWith('\uFEFF排名,')).toBe(true);
  const lines = csv.text.slice(1).trimEnd().split('\r\n');
  expect(lines).toHaveLength(6);
  expect(lines[0]).toBe('排名,赛道排名,赛道,项目,申报机构,得分,申请金额(元),认购(元),配套(元),合计(元),状态');
  expect(lines[1]).toBe('1,1,为老服务 Elderly,C1 认知症照护,彩虹社工 Rainbow,90,2000.00,1500.00,500.00,2000.00,获资助');
  const linesEn = expectStatus(await org.get(path('/results.csv')).set('Accept-Language', 'en'), 200).text.slice(1).trimEnd().split('\r\n');
  expect(linesEn[0]).toBe('Rank,Track rank,Track,Project,Organisation,Score,Asked (yuan),Subscribed (yuan),Matching (yuan),Total (yuan),Status');
  expect(linesEn[1]).toBe('1,1,为老服务 Elderly,C1 认知症照护,彩虹社工 Rainbow,90,2000.00,1500.00,500.00,2000.00,awarded');
  const funding = expectStatus(await org.get(path('/results.csv?table=funding')), 200).text.slice(1).trimEnd().split('\r\n');
  expect(funding.slice(1).reduce((s2, l) => s2 + Number(l.split(',').pop()), 0)).toBe(800_000);

  // ---- after the award only closing is allowed ---------------------------------------------------
  for (const move of ['close-round', 'publish-ranking', 'award', 'open-entries', 'cancel']) {
    const res = await org.post(path(`/${move}`), move === 'award' ? { startDate: '2027-01-01', endDate: '2027-12-31' } : move === 'cancel' ? { reason: 'x' } : {});
    expect({ move, status: res.status, phase: res.body.currentStage }).toEqual({ move, status: 409, phase: 'awarded' });
  }
  expect(expectStatus(await org.post(path('/close')), 200).body.phase).toBe('closed');
  expect((await stack.db('contests').where({ id }).first()).phase).toBe('closed');
  // Closed after its award, not cancelled (the backfill tells the two apart the same way: an award).
  expect(expectStatus(await org.get(path()), 200).body).toMatchObject({ phase: 'closed', cancelled: null });
  await backfillCancellations(stack.db);
  expect((await stack.db('contests').where({ id }).first()).cancelled_at).toBeNull();
  const afterClose = await org.post(path('/open-entries'));
  expect(afterClose.status).toBe(409);
  expect(afterClose.body.currentStage).toBe('closed');
  expect(await stack.db('tasks').where({ contest_id: id, status: 'open' }).count({ n: '*' }).first()).toEqual({ n: '0' });
});

test('contest settings that break the rules are refused with 422 naming each, and nothing is written', async () => {
  const s = await seedProgramme(stack);
  const organiser = await createUser(stack, ['organiser'], { regionId: s.cityId });
  const before = Number((await stack.db('contests').count({ n: '*' }).first())?.n);
  const res = await as(stack, organiser).post('/api/v1/contests', contestBody(s, {
    rounds: [
      onlineRound({ criteria: [{ key: 'need', name: 'Need', weight: 60, minScore: 0, maxScore: 10 }, { key: 'design', name: 'Design', weight: 30, minScore: 0, maxScore: 10 }] }),
      { key: 'final', name: 'Final', kind: 'online', criteria: [], judgesPerEntry: 1, judgingDeadline: 'P1D' },
    ],
    normalisation: 'trimmed_mean',
    entriesCloseAt: '2020-01-01T00:00:00Z',
  }));
  expect(res.status).toBe(422);
  expect(res.body.errors.map((e: { field: string; rule: string }) => `${e.field} ${e.rule}`).sort()).toEqual([
    '/body/entriesCloseAt in-future',
    '/body/rounds/0/criteria weights-sum-100',
    '/body/rounds/0/judgesPerEntry judges-per-entry-trimmed',
    '/body/rounds/1/criteria round-has-criteria',
    '/body/rounds/1/judgesPerEntry judges-per-entry-trimmed',
  ]);
  expect(Number((await stack.db('contests').count({ n: '*' }).first())?.n)).toBe(before);
});

test('a draft can be changed; once entries open its settings are frozen (409 naming the phase)', async () => {
  const s = await seedProgramme(stack);
  const organiser = await createUser(stack, ['organiser'], { regionId: s.cityId });
  const id = expectStatus(await as(stack, organiser).post('/api/v1/contests', contestBody(s)), 201).body.id;
  const changed = expectStatus(await as(stack, organiser).patch(`/api/v1/contests/${id}`, { blind: true, matchingPoolFen: 1_000_000, matchingCapPerEntryFen: 200_000 }), 200).body;
  expect(changed).toMatchObject({ blind: true, matchingPoolFen: 1_000_000, phase: 'draft' });
  expect((await stack.db('contests').where({ id }).first()).settings).toMatchObject({ blind: true, matchingPoolFen: 1_000_000 });
  const bad = await as(stack, organiser).patch(`/api/v1/contests/${id}`, { matchingCapPerEntryFen: 2_000_000 });
  expect(bad.status).toBe(422);
  expect(bad.body.errors).toEqual([expect.objectContaining({ field: '/body/matchingCapPerEntryFen', rule: 'cap-within-pool' })]);
  // Another organiser outside the region does not see the draft at all.
  const elsewhere = await seedProgramme(stack);
  const stranger = await createUser(stack, ['organiser'], { regionId: elsewhere.cityId });
  expect((await as(stack, stranger).patch(`/api/v1/contests/${id}`, { blind: false })).status).toBe(404);
  const listed = (u: TestUser) => as(stack, u).get('/api/v1/contests?phase=draft').then((r) => expectStatus(r, 200).body.items.map((c: { id: string }) => c.id));
  expect(await listed(organiser)).toContain(id);
  expect(await listed(stranger)).not.toContain(id);
  expectStatus(await as(stack, organiser).post(`/api/v1/contests/${id}/open-entries`), 200);
  const frozen = await as(stack, organiser).patch(`/api/v1/contests/${id}`, { blind: false });
  expect(frozen.status).toBe(409);
  expect(frozen.body.currentStage).toBe('open');
  expect((await stack.db('contests').where({ id }).first()).settings.blind).toBe(true);
});

test('cancelling before judging sends every entered project back to the library; a cancelled contest takes no more moves', async () => {
  const s = await seedProgramme(stack);
  const organiser = await createUser(stack, ['organiser'], { regionId: s.cityId });
  const reviewer = await createUser(stack, ['reviewer', 'officer']);
  const projects = await Promise.all([1, 2].map((n) => seedApprovedProject(stack, s, reviewer.id, { title: `Cancelled ${n}` })));
  const id = expectStatus(await as(stack, organiser).post('/api/v1/contests', contestBody(s)), 201).body.id;
  expectStatus(await as(stack, organiser).post(`/api/v1/contests/${id}/open-entries`), 200);
  for (const projectId of projects) expectStatus(await as(stack, organiser).post(`/api/v1/contests/${id}/entries`, { projectId, trackKey: 'elderly' }), 201);
  expectStatus(await as(stack, organiser).post(`/api/v1/contests/${id}/close-entries`), 200);
  const cancelled = expectStatus(await as(stack, organiser).post(`/api/v1/contests/${id}/cancel`, { reason: '经费未落实 funding fell through' }), 200).body;
  expect(cancelled).toMatchObject({ phase: 'closed', cancelled: { reason: '经费未落实 funding fell through' } });
  // The read model says it was cancelled, when and why, in the contest and in the list.
  const row = await stack.db('contests').where({ id }).first();
  expect(row).toMatchObject({ phase: 'closed', cancel_reason: '经费未落实 funding fell through', awarded_at: null });
  expect(row.cancelled_at).toEqual(row.closed_at);
  const read = expectStatus(await as(stack, organiser).get(`/api/v1/contests/${id}`), 200).body;
  expect(read).toMatchObject({ phase: 'closed', closedAt: row.closed_at.toISOString(), cancelled: { at: row.cancelled_at.toISOString(), reason: '经费未落实 funding fell through' } });
  const inList = expectStatus(await as(stack, organiser).get('/api/v1/contests?phase=closed&limit=100'), 200).body.items.find((c: { id: string }) => c.id === id);
  expect(inList.cancelled).toEqual({ at: row.cancelled_at.toISOString(), reason: '经费未落实 funding fell through' });
  for (const p of projects) expect(await stageOf(p)).toBe('approved');
  expect((await stack.db('contest_entries').where({ contest_id: id })).map((e) => e.status)).toEqual(['cancelled', 'cancelled']);
  const again = await as(stack, organiser).post(`/api/v1/contests/${id}/open-entries`);
  expect(again.status).toBe(409);
  expect(again.body.currentStage).toBe('closed');
  // Back in the library, a project can enter another contest.
  const next = expectStatus(await as(stack, organiser).post('/api/v1/contests', contestBody(s)), 201).body.id;
  expectStatus(await as(stack, organiser).post(`/api/v1/contests/${next}/open-entries`), 200);
  expectStatus(await as(stack, organiser).post(`/api/v1/contests/${next}/entries`, { projectId: projects[0], trackKey: 'children' }), 201);
  expect(await stageOf(projects[0])).toBe('in_contest');
});

test('when the projects\' moves after a cancellation fail, the cancellation stands, the operator is alerted, and the projects go back to the library soon after', async () => {
  const s = await seedProgramme(stack);
  const organiser = await createUser(stack, ['organiser'], { regionId: s.cityId });
  const reviewer = await createUser(stack, ['reviewer', 'officer']);
  const projects = await Promise.all([1, 2].map((n) => seedApprovedProject(stack, s, reviewer.id, { title: `Moved later ${n}` })));
  const id = expectStatus(await as(stack, organiser).post('/api/v1/contests', contestBody(s)), 201).body.id;
  expectStatus(await as(stack, organiser).post(`/api/v1/contests/${id}/open-entries`), 200);
  for (const projectId of projects) expectStatus(await as(stack, organiser).post(`/api/v1/contests/${id}/entries`, { projectId, trackKey: 'elderly' }), 201);
  expectStatus(await as(stack, organiser).post(`/api/v1/contests/${id}/close-entries`), 200);
  // Recording a moved project is refused as a broken constraint would be (a data error: the moves fail at once).
  const allow = await refuseWrites(stack.db, { table: 'contest_entries', on: 'update', when: `new.contest_id = '${id}' and new.project_moved_at is not null`, errcode: '23514' });
  const handle = stack.client.workflow.getHandle(`contest-${id}`);
  try {
    const cancelled = expectStatus(await as(stack, organiser).post(`/api/v1/contests/${id}/cancel`, { reason: '场地取消 venue withdrawn' }), 200).body;
    expect(cancelled).toMatchObject({ phase: 'closed', cancelled: { reason: '场地取消 venue withdrawn' }, openDeadlines: [{ kind: 'project_moves', dueAt: expect.any(String) }] });
    expect(await stack.db('tasks').where({ kind: 'operator_alert', role: 'admin' }).where('key', 'like', `alert:${id}:moves:%`)).toHaveLength(1);
    expect((await stack.db('contests').where({ id }).first()).cancel_reason).toBe('场地取消 venue withdrawn');
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect(await stack.db('contest_entries').where({ contest_id: id }).whereNotNull('project_moved_at')).toEqual([]);
  } finally {
    await allow();
  }
  // The timer loop moves them 10 s on; then the contest's workflow ends.
  await eventually(async () => {
    expect(await stack.db('contest_entries').where({ contest_id: id }).whereNull('project_moved_at')).toEqual([]);
    expect((await handle.describe()).status.name).toBe('COMPLETED');
  }, 60_000);
  for (const p of projects) expect(await stageOf(p)).toBe('approved');
});

test('when the projects\' moves after an award fail, the award stands and the contest cannot close yet; once the moves land it closes', async () => {
  const s = await seedProgramme(stack);
  const [organiser, reviewer, judge] = await Promise.all([createUser(stack, ['organiser'], { regionId: s.cityId }), createUser(stack, ['reviewer', 'officer']), createUser(stack, ['reviewer'])]);
  const projects = await Promise.all([1, 2].map((n) => seedApprovedProject(stack, s, reviewer.id, { title: `Awarded later ${n}` })));
  const id = expectStatus(await as(stack, organiser).post('/api/v1/contests', contestBody(s, { rounds: [onlineRound({ judgesPerEntry: 1 })] })), 201).body.id;
  const org = as(stack, organiser);
  const path = (p = '') => `/api/v1/contests/${id}${p}`;
  expectStatus(await org.post(path('/open-entries')), 200);
  for (const projectId of projects) expectStatus(await org.post(path('/entries'), { projectId, trackKey: 'elderly' }), 201);
  expectStatus(await org.post(path('/close-entries')), 200);
  expectStatus(await org.post(path('/judges'), { userIds: [judge.id] }), 200);
  expectStatus(await org.post(path('/start-judging')), 200);
  for (const a of await allAssignments(stack, organiser, id, 'preliminary')) expectStatus(await as(stack, judge).put(path(`/rounds/preliminary/scores/${a.entryId}`), { scores: { need: 8, design: 7 } }), 200);
  expectStatus(await org.post(path('/close-round')), 200);
  expectStatus(await org.post(path('/publish-ranking')), 200);
  const allow = await refuseWrites(stack.db, { table: 'contest_entries', on: 'update', when: `new.contest_id = '${id}' and new.project_moved_at is not null`, errcode: '23514' });
  try {
    const awarded = expectStatus(await org.post(path('/award'), { startDate: '2027-01-01', endDate: '2027-12-31' }), 200).body;
    expect(awarded).toMatchObject({ phase: 'awarded', award: { projectsMoved: 0, projectMoveFailures: [] }, openDeadlines: [{ kind: 'project_moves', dueAt: expect.any(String) }] });
    expect(await stack.db('tasks').where({ kind: 'operator_alert', role: 'admin' }).where('key', 'like', `alert:${id}:moves:%`)).toHaveLength(1);
    // Closing waits for the projects to move.
    expect(expectStatus(await org.post(path('/close')), 409).body.currentStage).toBe('awarded');
  } finally {
    await allow();
  }
  await eventually(async () => {
    expect(await stack.client.workflow.getHandle(`contest-${id}`).query(getContestState)).toMatchObject({ award: { projectsMoved: 2, projectMoveFailures: [] }, openDeadlines: [] });
  }, 60_000);
  expect(expectStatus(await org.post(path('/close')), 200).body.phase).toBe('closed');
  expect(await stack.db('contest_entries').where({ contest_id: id }).whereNull('project_moved_at')).toEqual([]);
});

test('a contest cancelled before the contest row kept the cancellation reads as cancelled once migrated: when from its closing, why from its entries, no reason when none had entered', async () => {
  const s = await seedProgramme(stack);
  const organiser = await createUser(stack, ['organiser'], { regionId: s.cityId });
  const reviewer = await createUser(stack, ['reviewer', 'officer']);
  const project = await seedApprovedProject(stack, s, reviewer.id, { title: 'Cancelled before the columns' });
  const entered = expectStatus(await as(stack, organiser).post('/api/v1/contests', contestBody(s)), 201).body.id;
  expectStatus(await as(stack, organiser).post(`/api/v1/contests/${entered}/open-entries`), 200);
  expectStatus(await as(stack, organiser).post(`/api/v1/contests/${entered}/entries`, { projectId: project, trackKey: 'elderly' }), 201);
  expectStatus(await as(stack, organiser).post(`/api/v1/contests/${entered}/cancel`, { reason: '场地取消 venue lost' }), 200);
  const empty = expectStatus(await as(stack, organiser).post('/api/v1/contests', contestBody(s)), 201).body.id;
  expectStatus(await as(stack, organiser).post(`/api/v1/contests/${empty}/cancel`, { reason: '无人报名 nobody came' }), 200);
  expect((await stack.db('contests').where({ id: empty }).first()).cancel_reason).toBe('无人报名 nobody came');
  // As the rows were before the migration: closed, no award, nothing kept on the contest.
  await stack.db('contests').whereIn('id', [entered, empty]).update({ cancelled_at: null, cancel_reason: null });
  expect(expectStatus(await as(stack, organiser).get(`/api/v1/contests/${empty}`), 200).body.cancelled).toBeNull();

  await backfillCancellations(stack.db);
  const [a, b] = await Promise.all([entered, empty].map((id) => stack.db('contests').where({ id }).first()));
  expect(a.cancelled_at).toEqual(a.closed_at);
  expect(a.cancel_reason).toBe('场地取消 venue lost');
  expect(b.cancelled_at).toEqual(b.closed_at);
  expect(b.cancel_reason).toBeNull();
  expect(expectStatus(await as(stack, organiser).get(`/api/v1/contests/${empty}`), 200).body.cancelled).toEqual({ at: b.closed_at.toISOString(), reason: null });
});

test('when closing the entries at their deadline is refused, the contest goes on with the deadline kept, the operator is alerted, and the organiser can still close them', async () => {
  const s = await seedProgramme(stack);
  const organiser = await createUser(stack, ['organiser'], { regionId: s.cityId });
  const id = expectStatus(await as(stack, organiser).post('/api/v1/contests', contestBody(s, { entriesCloseAt: new Date(Date.now() + 2000).toISOString() })), 201).body.id;
  // Moving this contest to screening is refused as a broken constraint would be (a data error: not retried).
  const allow = await refuseWrites(stack.db, { table: 'contests', on: 'update', when: `new.id = '${id}' and new.phase = 'screening'`, errcode: '23514' });
  try {
    expectStatus(await as(stack, organiser).post(`/api/v1/contests/${id}/open-entries`), 200);
    await eventually(async () => {
      expect(await stack.db('tasks').where({ kind: 'operator_alert', role: 'admin' }).where('key', 'like', `alert:contest-${id}:deadline:%`)).toHaveLength(1);
    }, 30_000);
    const handle = stack.client.workflow.getHandle(`contest-${id}`);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect(expectStatus(await as(stack, organiser).get(`/api/v1/contests/${id}`), 200).body.phase).toBe('open');
    // Kept, to be tried again (before, the deadline was dropped and entries stayed open until closed by hand).
    expect(await handle.query(getContestState)).toMatchObject({ phase: 'open', openDeadlines: [{ kind: 'entries_close', dueAt: expect.any(String) }] });
  } finally {
    await allow();
  }
  expect(expectStatus(await as(stack, organiser).post(`/api/v1/contests/${id}/close-entries`), 200).body.phase).toBe('screening');
});

test('when the entry window closes, entries close by themselves and a late entry is refused', async () => {
  const s = await seedProgramme(stack);
  const organiser = await createUser(stack, ['organiser'], { regionId: s.cityId });
  const reviewer = await createUser(stack, ['reviewer', 'officer']);
  const [onTime, late] = await Promise.all([1, 2].map((n) => seedApprovedProject(stack, s, reviewer.id, { title: `Window ${n}` })));
  const id = expectStatus(await as(stack, organiser).post('/api/v1/contests', contestBody(s, { entriesCloseAt: new Date(Date.now() + 3000).toISOString() })), 201).body.id;
  const opened = expectStatus(await as(stack, organiser).post(`/api/v1/contests/${id}/open-entries`), 200).body;
  expect(opened.openDeadlines).toEqual([{ kind: 'entries_close', dueAt: expect.any(String) }]);
  expectStatus(await as(stack, organiser).post(`/api/v1/contests/${id}/entries`, { projectId: onTime, trackKey: 'elderly' }), 201);
  await eventually(async () => expect((await stack.db('contests').where({ id }).first()).phase).toBe('screening'), 10_000);
  const refused = await as(stack, organiser).post(`/api/v1/contests/${id}/entries`, { projectId: late, trackKey: 'elderly' });
  expect(refused.status).toBe(409);
  expect(refused.body.currentStage).toBe('screening');
  expect(await stageOf(late)).toBe('approved');
  expect(await stack.db('tasks').where({ contest_id: id, kind: 'contest_screening', user_id: organiser.id, status: 'open' }).first()).toBeDefined();
  expect((await stack.db('audit_log').where({ object_id: id, action: 'contest.closeEntries' }).first()).actor_id).toBeNull();
});
