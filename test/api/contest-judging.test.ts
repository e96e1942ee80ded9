import { startStack, createUser, type Stack, type TestUser } from '../helpers/stack';
import { seedProgramme, type Seeded } from '../helpers/projects';
import { as, eventually } from '../helpers/api';
import {
  allAssignments, contestBody, enterProjects, expectStatus, mapLimit, onlineRound, openContest, seedApprovedProjects, seedOrganisation,
} from '../helpers/contests';

let stack: Stack;
let s: Seeded;
let organiser: TestUser;
let reviewer: TestUser;
beforeAll(async () => {
  stack = await startStack();
  s = await seedProgramme(stack);
  [organiser, reviewer] = await Promise.all([createUser(stack, ['organiser'], { regionId: s.cityId }), createUser(stack, ['reviewer', 'officer'])]);
});
afterAll(async () => {
  await stack.close();
});

const judge = (organisationId?: string) => createUser(stack, ['reviewer'], { organisationId: organisationId ?? null });
const count = async (table: string, where: Record<string, unknown>) => Number((await stack.db(table).where(where).count({ n: '*' }).first())?.n ?? 0);

/** A contest in `judging` (or `screening` when judges cannot cover it): projects entered, entries closed, judges in the pool. */
async function contestWithEntries(opts: { projects: { organisationId: string; title: string; trackKey?: string }[]; judges: TestUser[]; round?: Record<string, unknown>; blind?: boolean }) {
  const projectIds = await seedApprovedProjects(stack, s, reviewer, opts.projects.map((p) => ({ organisationId: p.organisationId, title: p.title, amountAskedFen: 100_000 })));
  const id = await openContest(stack, organiser, contestBody(s, { rounds: [onlineRound(opts.round)], blind: opts.blind }));
  const entryIds = await enterProjects(stack, organiser, id, projectIds.map((projectId, i) => ({ projectId, trackKey: opts.projects[i].trackKey ?? 'elderly' })));
  expectStatus(await as(stack, organiser).post(`/api/v1/contests/${id}/close-entries`), 200);
  expectStatus(await as(stack, organiser).post(`/api/v1/contests/${id}/judges`, { userIds: opts.judges.map((j) => j.id) }), 200);
  return { id, entryIds, projectIds, path: (p = '') => `/api/v1/contests/${id}${p}` };
}

describe('conflicts of interest', () => {
  test('when more judges per entry are needed than judges free of conflict, starting judging is refused with 422 naming the entries, and nothing changes', async () => {
    const orgA = s.organisationId;
    const orgB = await seedOrganisation(stack, s);
    const member = await judge(orgA); // belongs to organisation A
    const declared = await judge(); // declared a conflict with organisation A
    await stack.db('conflict_declarations').insert({ user_id: declared.id, organisation_id: orgA, reason: 'former employee' });
    const free = await judge();
    const c = await contestWithEntries({
      projects: [{ organisationId: orgA, title: 'A1 助老' }, { organisationId: orgA, title: 'A2 助残' }, { organisationId: orgB, title: 'B1 儿童' }],
      judges: [member, declared, free],
    });
    const [eA1, eA2, eB1] = c.entryIds;

    const refused = await as(stack, organiser).post(c.path('/start-judging'));
    expect(refused.status).toBe(422);
    expect(refused.body.errors.map((e: { field: string; rule: string }) => [e.field, e.rule]).sort()).toEqual([[`/entries/${eA1}`, 'judges-free-of-conflict'], [`/entries/${eA2}`, 'judges-free-of-conflict']].sort());
    expect(refused.body.uncoverable).toEqual(expect.arrayContaining([expect.objectContaining({ entryId: eA1, title: 'A1 助老', eligibleJudges: 1 }), expect.objectContaining({ entryId: eA2, eligibleJudges: 1 })]));
    expect(refused.body.detail).toContain('A1 助老');
    // Nothing changed: still screening, no round, no assignment, no task.
    expect((await stack.db('contests').where({ id: c.id }).first()).phase).toBe('screening');
    expect(expectStatus(await as(stack, organiser).get(c.path()), 200).body).toMatchObject({ phase: 'screening', allowedMoves: ['startJudging', 'cancel'] });
    expect(await count('contest_rounds', { contest_id: c.id })).toBe(0);
    expect(await count('contest_assignments', { contest_id: c.id })).toBe(0);
    expect(await count('tasks', { contest_id: c.id, kind: 'contest_score' })).toBe(0);

    // One more judge free of conflict and judging starts; the conflicted judges only ever judge B1.
    const free2 = await judge();
    expectStatus(await as(stack, organiser).post(c.path('/judges'), { userIds: [free2.id] }), 200);
    expectStatus(await as(stack, organiser).post(c.path('/start-judging')), 200);
    const assignments = await allAssignments(stack, organiser, c.id, 'preliminary');
    expect(assignments).toHaveLength(6);
    for (const e of [eA1, eA2]) expect(assignments.filter((a) => a.entryId === e).map((a) => a.judgeId).sort()).toEqual([free.id, free2.id].sort());
    expect(assignments.filter((a) => a.judgeId === member.id || a.judgeId === declared.id).every((a) => a.entryId === eB1)).toBe(true);

    // Naming a conflicted judge as a replacement is refused too.
    const swap = await as(stack, organiser).post(c.path('/rounds/preliminary/reassignments'), { entryId: eA1, fromJudgeId: free.id, toJudgeId: declared.id });
    expect(swap.status).toBe(422);
    expect(swap.body.errors).toEqual([expect.objectContaining({ field: '/body/toJudgeId', rule: 'judge-free-of-conflict' })]);
    expect(await count('contest_assignments', { contest_id: c.id, entry_id: eA1, judge_id: free.id, status: 'assigned' })).toBe(1);
    expect(await count('contest_assignments', { contest_id: c.id, judge_id: declared.id, entry_id: eA1 })).toBe(0);
  });
});

describe('a blind contest', () => {
  let c: Awaited<ReturnType<typeof contestWithEntries>>;
  let j1: TestUser;
  let j2: TestUser;
  let mine: string;
  let theirs: string;
  const orgName = '保密社工机构 Hidden Org';

  beforeAll(async () => {
    const orgB = await seedOrganisation(stack, s, { name: orgName });
    const orgC = await seedOrganisation(stack, s, { name: orgName });
    [j1, j2] = await Promise.all([judge(), judge()]);
    c = await contestWithEntries({ projects: [{ organisationId: orgB, title: 'Blind one' }, { organisationId: orgC, title: 'Blind two' }], judges: [j1, j2], round: { judgesPerEntry: 1 }, blind: true });
    expectStatus(await as(stack, organiser).post(c.path('/start-judging')), 200);
    const assignments = await allAssignments(stack, organiser, c.id, 'preliminary');
    mine = assignments.find((a) => a.judgeId === j1.id)!.entryId;
    theirs = c.entryIds.find((e) => e !== mine)!;
  });

  test("a judge's view hides the applicant organisation and the team lead; the organiser sees them; another judge's entry is 404", async () => {
    const list = expectStatus(await as(stack, j1).get(c.path('/assignments')), 200);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0].entry.id).toBe(mine);
    for (const key of ['organisationId', 'organisationName', 'projectId']) expect(list.body.items[0].entry).not.toHaveProperty(key);
    expect(list.text).not.toContain(orgName);

    const one = expectStatus(await as(stack, j1).get(c.path(`/entries/${mine}`)), 200);
    expect(one.body).not.toHaveProperty('organisationName');
    expect(one.body.proposal.team).toEqual({ staff: 6, certifiedSocialWorkers: 4, volunteers: 30 });
    expect(one.text).not.toContain(orgName);
    expect(one.text).not.toContain('Li Hua');
    expect(expectStatus(await as(stack, j1).get(c.path('/entries')), 200).body.items.map((e: { id: string }) => e.id)).toEqual([mine]);
    expect((await as(stack, j1).get(c.path(`/entries/${theirs}`))).status).toBe(404);

    const organiserView = expectStatus(await as(stack, organiser).get(c.path(`/entries/${mine}`)), 200).body;
    expect(organiserView).toMatchObject({ organisationName: orgName, proposal: { team: { lead: 'Li Hua' } } });
  });

  test('out-of-range, missing and unknown criteria are refused with 422 naming each, an unassigned judge gets 404, and nothing is written', async () => {
    const put = (u: TestUser, entryId: string, scores: Record<string, number>) => as(stack, u).put(c.path(`/rounds/preliminary/scores/${entryId}`), { scores });
    const outOfRange = await put(j1, mine, { need: 11, design: -1 });
    expect(outOfRange.status).toBe(422);
    expect(outOfRange.body.errors.map((e: { field: string; rule: string }) => `${e.field} ${e.rule}`).sort()).toEqual(['/body/scores/design score-in-range', '/body/scores/need score-in-range']);
    const missing = await put(j1, mine, { need: 5 });
    expect(missing.body.errors).toEqual([expect.objectContaining({ field: '/body/scores/design', rule: 'score-required' })]);
    const unknown = await put(j1, mine, { need: 5, design: 5, charm: 3 });
    expect(unknown.body.errors).toEqual([expect.objectContaining({ field: '/body/scores/charm', rule: 'score-known-criterion' })]);
    expect((await put(j1, theirs, { need: 5, design: 5 })).status).toBe(404);
    expect((await put(j2, mine, { need: 5, design: 5 })).status).toBe(404);
    expect((await as(stack, organiser).put(c.path(`/rounds/preliminary/scores/${mine}`), { scores: { need: 5, design: 5 } })).status).toBe(403);
    expect(await count('contest_scores', { contest_id: c.id })).toBe(0);

    // A valid sheet, then a revision: one row, the new total, the first submission time kept.
    const first = expectStatus(await put(j1, mine, { need: 5, design: 5 }), 200).body;
    expect(first.total).toBe(50);
    const revised = expectStatus(await put(j1, mine, { need: 10, design: 7.5 }), 200).body;
    expect(revised).toMatchObject({ total: 90, submittedAt: first.submittedAt });
    expect(new Date(revised.updatedAt).getTime()).toBeGreaterThan(new Date(first.updatedAt).getTime());
    const rows = await stack.db('contest_scores').where({ contest_id: c.id });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ judge_id: j1.id, entry_id: mine, scores: { need: 10, design: 7.5 } });
  });
});

test('a score racing the round close is either stored before closed_at or refused, never half', async () => {
  const orgs = await Promise.all([seedOrganisation(stack, s), seedOrganisation(stack, s)]);
  const judges = await Promise.all([judge(), judge(), judge()]);
  const c = await contestWithEntries({ projects: Array.from({ length: 8 }, (_, i) => ({ organisationId: orgs[i % 2], title: `Race ${i}` })), judges, round: { judgesPerEntry: 3 } });
  expectStatus(await as(stack, organiser).post(c.path('/start-judging')), 200);
  const assignments = await allAssignments(stack, organiser, c.id, 'preliminary');
  expect(assignments).toHaveLength(24);
  const byJudge = new Map(judges.map((j) => [j.id, j]));
  const put = (a: { entryId: string; judgeId: string }) => as(stack, byJudge.get(a.judgeId)!).put(c.path(`/rounds/preliminary/scores/${a.entryId}`), { scores: { need: 7, design: 6 } });

  // Three sheets are surely in; then the close and the other 21 sheets race, one stream per judge.
  const early = assignments.slice(0, 3);
  for (const a of early) expectStatus(await put(a), 200);
  const rest = assignments.slice(3);
  const outcomes = new Map<string, number>();
  const [closed] = await Promise.all([
    as(stack, organiser).post(c.path('/close-round'), { allowMissing: true }),
    ...judges.map(async (j) => {
      for (const a of rest.filter((x) => x.judgeId === j.id)) {
        const res = await put(a);
        if (res.status !== 200 && res.status !== 409) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
        outcomes.set(`${a.entryId}|${a.judgeId}`, res.status);
      }
    }),
  ]);
  expectStatus(closed, 200);
  // One more after the close has answered: surely refused.
  const last = rest[rest.length - 1];
  const after = await put(last);
  expect(after.status).toBe(409);
  expect(after.body.currentStage).toBe('results');

  const round = await stack.db('contest_rounds').where({ contest_id: c.id }).first();
  const sheets = await stack.db('contest_scores').where({ contest_id: c.id });
  const stored = new Set(sheets.map((x) => `${x.entry_id}|${x.judge_id}`));
  expect([...outcomes.values()].every((st) => st === 200 || st === 409)).toBe(true);
  for (const [key, st] of outcomes) expect({ key, stored: stored.has(key) }).toEqual({ key, stored: st === 200 });
  for (const sheet of sheets) expect(new Date(sheet.updated_at).getTime()).toBeLessThan(new Date(round.closed_at).getTime());
  expect(sheets.length).toBe(3 + [...outcomes.values()].filter((st) => st === 200).length);
  // The ranking was computed from exactly the stored sheets.
  const ranked = await stack.db('contest_ranking_entries').where({ ranking_id: round.ranking_id });
  expect(ranked.reduce((n, r) => n + r.sheet_count, 0)).toBe(sheets.length);
});

test('a judge who misses the deadline is reminded before it, named to the organiser at it, then replaced, and the round closes with the new sheet', async () => {
  const orgs = await Promise.all([seedOrganisation(stack, s), seedOrganisation(stack, s)]);
  const judges = await Promise.all([judge(), judge(), judge()]);
  const c = await contestWithEntries({
    projects: [{ organisationId: orgs[0], title: 'Deadline one' }, { organisationId: orgs[1], title: 'Deadline two' }],
    judges,
    round: { judgesPerEntry: 1, judgingDeadline: 'PT4S', reminderBefore: 'PT2S' },
  });
  expectStatus(await as(stack, organiser).post(c.path('/start-judging')), 200);
  const assignments = await allAssignments(stack, organiser, c.id, 'preliminary');
  const byId = new Map(judges.map((j) => [j.id, j]));
  const [done, missed] = assignments;
  const diligent = byId.get(done.judgeId)!;
  const late = byId.get(missed.judgeId)!;
  const idle = judges.find((j) => j !== diligent && j !== late)!;
  expectStatus(await as(stack, diligent).put(c.path(`/rounds/preliminary/scores/${done.entryId}`), { scores: { need: 8, design: 8 } }), 200);

  // Before the deadline: a reminder for the judge still to score, none for the one who has.
  await eventually(async () => expect(await count('tasks', { contest_id: c.id, user_id: late.id, kind: 'contest_score_reminder', status: 'open' })).toBe(1), 10_000);
  expect(await count('tasks', { contest_id: c.id, user_id: diligent.id, kind: 'contest_score_reminder' })).toBe(0);
  // At the deadline: a task for the organiser naming the late judge (and not the other).
  const task = await eventually(async () => {
    const t = await stack.db('tasks').where({ contest_id: c.id, kind: 'contest_judges_missing', status: 'open' }).first();
    expect(t).toBeDefined();
    return t;
  }, 10_000);
  expect(task.user_id).toBe(organiser.id);
  expect(task.title).toContain(late.login);
  expect(task.title).not.toContain(diligent.login);
  const inbox = expectStatus(await as(stack, organiser).get('/api/v1/me/tasks'), 200).body.items;
  expect(inbox.map((t: { kind: string }) => t.kind)).toContain('contest_judges_missing');
  const progress = expectStatus(await as(stack, organiser).get(c.path('/judges')), 200).body.items;
  expect(progress.find((p: { userId: string }) => p.userId === late.id)).toMatchObject({ assigned: 1, scored: 0, missing: 1 });

  // The organiser reassigns: the least-loaded judge free of conflict takes it with fresh time to score.
  const swap = expectStatus(await as(stack, organiser).post(c.path('/rounds/preliminary/reassignments'), { entryId: missed.entryId, fromJudgeId: late.id }), 201).body;
  expect(swap).toMatchObject({ toJudgeId: idle.id, fromJudgeId: late.id });
  expect(new Date(swap.dueAt).getTime()).toBeGreaterThan(Date.now());
  expect((await as(stack, late).put(c.path(`/rounds/preliminary/scores/${missed.entryId}`), { scores: { need: 1, design: 1 } })).status).toBe(404);
  expect(await count('tasks', { contest_id: c.id, user_id: late.id, status: 'open' })).toBe(0);
  expectStatus(await as(stack, idle).put(c.path(`/rounds/preliminary/scores/${missed.entryId}`), { scores: { need: 6, design: 6 } }), 200);

  expectStatus(await as(stack, organiser).post(c.path('/close-round')), 200);
  const ranking = expectStatus(await as(stack, organiser).get(c.path('/ranking')), 200).body;
  expect(ranking.overall.map((r: { entryId: string; score: number; sheetCount: number }) => [r.entryId, r.score, r.sheetCount])).toEqual([[done.entryId, 80, 1], [missed.entryId, 60, 1]]);
  expect(await count('contest_assignments', { contest_id: c.id, judge_id: late.id, status: 'replaced' })).toBe(1);
  expect(await count('tasks', { contest_id: c.id, kind: 'contest_judges_missing', status: 'open' })).toBe(0);
});

test('judges in parallel never leave a judge\'s task open once all their sheets are in', async () => {
  const orgs = await Promise.all([seedOrganisation(stack, s), seedOrganisation(stack, s)]);
  const judges = await Promise.all([judge(), judge()]);
  const c = await contestWithEntries({ projects: Array.from({ length: 4 }, (_, i) => ({ organisationId: orgs[i % 2], title: `Parallel ${i}` })), judges, round: { judgesPerEntry: 2 } });
  expectStatus(await as(stack, organiser).post(c.path('/start-judging')), 200);
  const assignments = await allAssignments(stack, organiser, c.id, 'preliminary');
  const byId = new Map(judges.map((j) => [j.id, j]));
  await mapLimit(assignments, 8, async (a) => expectStatus(await as(stack, byId.get(a.judgeId)!).put(c.path(`/rounds/preliminary/scores/${a.entryId}`), { scores: { need: 5, design: 5 } }), 200));
  expect(await count('tasks', { contest_id: c.id, kind: 'contest_score', status: 'open' })).toBe(0);
  expect(await count('tasks', { contest_id: c.id, kind: 'contest_score', status: 'done' })).toBe(2);
});
