import { startStack, createUser, type Stack, type TestUser } from '../helpers/stack';
import { seedProgramme, type Seeded } from '../helpers/projects';
import { as } from '../helpers/api';
import {
  allAssignments, contestBody, enterProjects, expectStatus, mapLimit, onlineRound, openContest, quickUser, scoreAll, seedApprovedProjects, seedOrganisation, sum,
} from '../helpers/contests';
import { allocateMatching } from '../../workflows/contest-rules/matching';
import { acceptRescoping } from '../../workflows/messages';
import { executeProjectUpdate } from '../../api/projects/service';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
});

const ENTRIES = 100;
const FUNDERS = 38;
const PLEDGED_FEN = 154_000_000; // 1,540,000 yuan
const SUBSCRIBED_ENTRIES = 32;
const POOL_FEN = 5_000_000;
const CAP_FEN = 1_000_000;
const KINDS = ['cash', 'goods', 'services'] as const;

/** 38 pledges adding up to exactly 154,000,000 fen: 37 of 3,500,000 + (k mod 7) x 150,000, the last one the rest. */
function pledgePlan(): { kind: (typeof KINDS)[number]; valueFen: number }[] {
  const plan = Array.from({ length: FUNDERS - 1 }, (_, k) => ({ kind: KINDS[k % 3], valueFen: 3_500_000 + (k % 7) * 150_000 }));
  plan.push({ kind: 'cash', valueFen: PLEDGED_FEN - sum(plan.map((p) => p.valueFen)) });
  return plan;
}

/**
 * Weihai's first contest (威海市首届公益创投大赛): over 100 projects entered, 38 companies and social organisations put
 * in money, goods and services worth 1,540,000 yuan, 32 projects were subscribed on the spot. Here: 100 entries in
 * three tracks, 10 judges (two a sheet, z-scores), 38 funders whose pledges fill the 32 best-ranked entries in rank
 * order, then a 50,000-yuan matching pool; checked to the fen.
 */
test('the Weihai scenario: 100 entries, 38 funders, 1,540,000 yuan in cash and kind, 32 entries subscribed, checked to the fen', async () => {
  const s: Seeded = await seedProgramme(stack);
  const [organiser, reviewer] = await Promise.all([createUser(stack, ['organiser'], { regionId: s.cityId }), createUser(stack, ['reviewer', 'officer'])]);
  const orgs = await mapLimit(Array.from({ length: 20 }, (_, i) => i), 5, (i) => seedOrganisation(stack, s, { name: `威海社工机构 ${i + 1}` }));
  const judges = await mapLimit(Array.from({ length: 10 }, (_, i) => i), 5, () => quickUser(stack, ['reviewer']));
  const tracks = [
    { key: 'elderly', name: '为老服务' },
    { key: 'children', name: '儿童关爱' },
    { key: 'new_employment', name: '新就业群体' },
  ];

  // Every entry asks 48,200 to 49,600 yuan: any 31 entries hold less than 1,540,000 yuan and any 32 more, so the
  // pledges fill exactly the 32 best.
  const asks = Array.from({ length: ENTRIES }, (_, i) => 4_820_000 + ((i * 37) % 11) * 14_000);
  expect(31 * Math.max(...asks)).toBeLessThan(PLEDGED_FEN);
  expect(32 * Math.min(...asks)).toBeGreaterThanOrEqual(PLEDGED_FEN);
  const projectIds = await seedApprovedProjects(stack, s, reviewer, asks.map((amountAskedFen, i) => ({ organisationId: orgs[i % 20], title: `威海项目 ${String(i + 1).padStart(3, '0')}`, amountAskedFen })), 16);
  const id = await openContest(stack, organiser, contestBody(s, {
    name: '威海市首届公益创投大赛',
    tracks,
    rounds: [onlineRound({ judgesPerEntry: 2, judgingDeadline: 'P14D', reminderBefore: 'P2D' })],
    normalisation: 'z_score',
    matchingPoolFen: POOL_FEN,
    matchingCapPerEntryFen: CAP_FEN,
  }));
  const path = (p = '') => `/api/v1/contests/${id}${p}`;
  const org = as(stack, organiser);
  const entryIds = await enterProjects(stack, organiser, id, projectIds.map((projectId, i) => ({ projectId, trackKey: tracks[i % 3].key })));
  expect(new Set(entryIds).size).toBe(ENTRIES);

  expectStatus(await org.post(path('/close-entries')), 200);
  expectStatus(await org.post(path('/judges'), { userIds: judges.map((j) => j.id) }), 200);
  expectStatus(await org.post(path('/start-judging')), 200);
  const assignments = await allAssignments(stack, organiser, id, 'preliminary');
  expect(assignments).toHaveLength(2 * ENTRIES);
  for (const j of judges) expect(assignments.filter((a) => a.judgeId === j.id)).toHaveLength(20); // balanced: 200 sheets over 10 judges

  // Each entry has a quality; some judges are harsher than others (which z-scores even out).
  const quality = new Map(entryIds.map((e, i) => [e, ((i * 53) % 100) / 10]));
  const harshness = new Map(judges.map((j, k) => [j.id, (k % 3) * 0.5]));
  const clamp = (x: number) => Math.round(Math.min(10, Math.max(0, x)) * 10) / 10;
  await scoreAll(stack, id, 'preliminary', assignments, new Map(judges.map((j) => [j.id, j])), (e, j) => ({ need: clamp(quality.get(e)! - harshness.get(j)!), design: clamp(quality.get(e)! * 0.8 + 1 - harshness.get(j)!) }));
  expectStatus(await org.post(path('/close-round')), 200);
  expectStatus(await org.post(path('/publish-ranking')), 200);

  // ---- 38 funders pledge 1,540,000 yuan and fill the best 32 entries in rank order ---------------
  const funderOrgs = await mapLimit(Array.from({ length: FUNDERS }, (_, k) => k), 5, (k) => seedOrganisation(stack, s, { name: `威海出资方 ${k + 1}`, kind: k % 4 === 3 ? 'foundation' : 'company' }));
  const funders: TestUser[] = await mapLimit(funderOrgs, 5, (orgId) => quickUser(stack, ['funder'], { organisationId: orgId }));
  const plan = pledgePlan();
  expect(sum(plan.map((p) => p.valueFen))).toBe(PLEDGED_FEN);
  const pledgeIds = await mapLimit(plan, 10, async (p, k) => expectStatus(await as(stack, funders[k]).post(path('/pledges'), p), 201).body.id as string);

  const ranking = expectStatus(await as(stack, funders[0]).get(path('/ranking')), 200).body;
  expect(ranking.overall).toHaveLength(ENTRIES);
  const ranked: { entryId: string; rank: number; trackKey: string; amountAskedFen: number }[] = ranking.overall;
  const best = ranked.slice(0, SUBSCRIBED_ENTRIES);
  expect(sum(best.map((e) => e.amountAskedFen))).toBeGreaterThanOrEqual(PLEDGED_FEN);

  // Greedy, in rank order: each pledge fills the current entry, then the next.
  const need = new Map(best.map((e) => [e.entryId, e.amountAskedFen]));
  const subscriptions: { funder: number; pledgeId: string; entryId: string; amountFen: number }[] = [];
  let cursor = 0;
  plan.forEach((p, k) => {
    let left = p.valueFen;
    while (left > 0) {
      const entry = best[cursor];
      const amountFen = Math.min(left, need.get(entry.entryId)!);
      subscriptions.push({ funder: k, pledgeId: pledgeIds[k], entryId: entry.entryId, amountFen });
      need.set(entry.entryId, need.get(entry.entryId)! - amountFen);
      left -= amountFen;
      if (need.get(entry.entryId) === 0) cursor++;
    }
  });
  await mapLimit(subscriptions, 10, async (x) => expectStatus(await as(stack, funders[x.funder]).post(path('/subscriptions'), { pledgeId: x.pledgeId, entryId: x.entryId, amountFen: x.amountFen }), 201));

  // ---- award: matching by the documented rule, 100 projects moved -------------------------------------
  const subscribedBy = new Map<string, number>();
  for (const x of subscriptions) subscribedBy.set(x.entryId, (subscribedBy.get(x.entryId) ?? 0) + x.amountFen);
  const expectedMatching = new Map(allocateMatching(ranked.map((e) => ({ entryId: e.entryId, rank: e.rank, amountAskedFen: e.amountAskedFen, subscribedFen: subscribedBy.get(e.entryId) ?? 0 })), POOL_FEN, CAP_FEN).map((m) => [m.entryId, m.matchingFen]));
  const expectedAwarded = ranked.filter((e) => (subscribedBy.get(e.entryId) ?? 0) + expectedMatching.get(e.entryId)! > 0).map((e) => e.entryId);
  expect(expectedAwarded.length).toBeGreaterThan(SUBSCRIBED_ENTRIES); // the pool reached entries nobody subscribed

  const awarded = expectStatus(await org.post(path('/award'), { startDate: '2027-01-01', endDate: '2027-12-31' }), 200).body;
  expect(awarded.award).toMatchObject({ subscribedFen: PLEDGED_FEN, matchingFen: POOL_FEN, projectsMoved: ENTRIES, projectMoveFailures: [] });
  expect([...awarded.award.awardedEntryIds].sort()).toEqual([...expectedAwarded].sort());

  const results = expectStatus(await org.get(path('/results')), 200).body;
  expect(results.totals.overall).toEqual({
    rankedEntries: ENTRIES, subscribedEntries: SUBSCRIBED_ENTRIES, awardedEntries: expectedAwarded.length, funders: FUNDERS,
    pledgedFen: PLEDGED_FEN, subscribedFen: PLEDGED_FEN, matchingFen: POOL_FEN, matchingPoolFen: POOL_FEN, totalFen: PLEDGED_FEN + POOL_FEN,
    returnedFen: 0, fundedFen: PLEDGED_FEN + POOL_FEN,
  });
  const byKind = (kind: string) => sum(subscriptions.filter((x) => plan[x.funder].kind === kind).map((x) => x.amountFen));
  expect(results.totals.byKind).toEqual({ cash: byKind('cash'), goods: byKind('goods'), services: byKind('services'), government: POOL_FEN });
  expect(byKind('cash') + byKind('goods') + byKind('services')).toBe(PLEDGED_FEN);
  expect(results.totals.byFunder).toHaveLength(FUNDERS);
  for (const f of results.totals.byFunder) expect(f.remainingFen).toBe(0);
  expect(sum(results.totals.byFunder.map((f: { subscribedFen: number }) => f.subscribedFen))).toBe(PLEDGED_FEN);
  const trackOf = new Map(ranked.map((e) => [e.entryId, e.trackKey]));
  for (const t of results.totals.byTrack) {
    const own = ranked.filter((e) => e.trackKey === t.trackKey).map((e) => e.entryId);
    expect(t).toMatchObject({
      ranked: own.length,
      subscribedFen: sum(subscriptions.filter((x) => trackOf.get(x.entryId) === t.trackKey).map((x) => x.amountFen)),
      matchingFen: sum(own.map((e) => expectedMatching.get(e)!)),
    });
  }
  expect(sum(results.totals.byTrack.map((t: { totalFen: number }) => t.totalFen))).toBe(PLEDGED_FEN + POOL_FEN);

  // Entries funded in part (the pool's top-ups of entries nobody subscribed) wait for their applicant to re-scope the
  // budget to the award; here each accepts one line of the whole award, and then every awarded project is in delivery.
  const awardedRows = await stack.db('contest_entries as e').join('projects as p', 'p.id', 'e.project_id').where({ 'e.contest_id': id, 'e.status': 'awarded' }).select('e.project_id', 'e.amount_asked_fen', 'e.subscribed_fen', 'e.matching_fen', 'p.stage');
  const awardOf = (r: { subscribed_fen: string; matching_fen: string }) => Number(r.subscribed_fen) + Number(r.matching_fen);
  const partial = awardedRows.filter((r) => awardOf(r) < Number(r.amount_asked_fen));
  expect(partial.length).toBeGreaterThan(0);
  for (const r of awardedRows) expect([r.project_id, r.stage]).toEqual([r.project_id, partial.includes(r) ? 'rescoping' : 'delivery']);
  await mapLimit(partial, 5, (r) => executeProjectUpdate(stack.deps, r.project_id, acceptRescoping, { actorId: reviewer.id, budgetLines: [{ item: 'Activities', amountFen: awardOf(r) }] }));

  // The projects: awarded ones in delivery with agreements that add up; the other 60-odd back in the library.
  const rows = await stack.db('contest_entries as e').join('projects as p', 'p.id', 'e.project_id').where('e.contest_id', id).select('e.id', 'e.status', 'e.project_id', 'p.stage');
  expect(rows.filter((r) => r.status === 'awarded').every((r) => r.stage === 'delivery')).toBe(true);
  expect(rows.filter((r) => r.status === 'not_awarded').every((r) => r.stage === 'approved')).toBe(true);
  expect(rows.filter((r) => r.status === 'not_awarded')).toHaveLength(ENTRIES - expectedAwarded.length);
  const agreements = await stack.db('agreements').whereIn('project_id', rows.map((r) => r.project_id));
  expect(agreements).toHaveLength(expectedAwarded.length);
  expect(sum(agreements.map((a) => Number(a.amount_fen)))).toBe(PLEDGED_FEN + POOL_FEN);
  for (const a of agreements) {
    expect(sum(a.funding_sources.map((f: { valueFen: number }) => f.valueFen))).toBe(Number(a.amount_fen));
    expect(sum(a.tranches.map((t: { amountFen: number }) => t.amountFen))).toBe(Number(a.amount_fen));
  }
  const kinds = agreements.flatMap((a) => a.funding_sources as { kind: string; valueFen: number }[]);
  expect(sum(kinds.filter((f) => f.kind === 'government').map((f) => f.valueFen))).toBe(POOL_FEN);
  expect(sum(kinds.filter((f) => f.kind !== 'government').map((f) => f.valueFen))).toBe(PLEDGED_FEN);

  // The CSV exports: a row per ranked entry; funding lines summing to the fen, Chinese intact.
  const csv = expectStatus(await org.get(path('/results.csv')), 200);
  expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
  expect(csv.text.slice(1).trimEnd().split('\r\n')).toHaveLength(ENTRIES + 1);
  expect(csv.text).toContain('威海项目');
  const funding = expectStatus(await org.get(path('/results.csv?table=funding')), 200).text.slice(1).trimEnd().split('\r\n').slice(1);
  expect(sum(funding.map((l) => Number(l.split(',').pop())))).toBe(PLEDGED_FEN + POOL_FEN);
  expect(funding.some((l) => l.includes('威海出资方'))).toBe(true);
}, 120_000);
