import crypto from 'node:crypto';
import { startStack, createUser, creditCode, type Stack, type TestUser } from '../helpers/stack';
import { as } from '../helpers/api';
import { sampleProposal, seedProgramme, testRules, type Seeded } from '../helpers/projects';
import { addProgramme, createProject, driveTo, expectStatus, footprint, rubricScores, seedNeed, today, type Cast } from '../helpers/lifecycle';
import type { TargetGroup } from '../../workflows/rules/programme-rules';

// Two districts under one city: organisation A works in district A, organisation B in district B.
let stack: Stack;
let s: Seeded;
let districtA: string;
let districtB: string;
let communityB: string;
let orgB: string;
let programme2: string;
let needA: string;
let needB: string;
const u = {} as Record<'appA' | 'appB' | 'officerCity' | 'officerA' | 'officerB' | 'reviewer' | 'reviewer2' | 'reviewer3' | 'supervisor' | 'supervisor2' | 'evaluator' | 'evaluator2', TestUser>;
// pA1 review (panel: reviewer), pA2 design (programme 2), pA3 delivery (blue), pB1 design, pB2 withdrawn.
const p = {} as Record<'A1' | 'A2' | 'A3' | 'B1' | 'B2', string>;

function proposal(group: TargetGroup) {
  return { ...sampleProposal(5_000_000), targetGroups: [group] };
}

beforeAll(async () => {
  stack = await startStack();
  s = await seedProgramme(stack);
  districtA = (await stack.db('regions').where({ parent_id: s.cityId }).first('id')).id;
  const city = await stack.db('regions').where({ id: s.cityId }).first('path');
  const ids = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
  let path = city.path as string;
  const levels = ['district', 'street', 'community'] as const;
  for (let i = 0; i < 3; i++) {
    path += `${ids[i]}/`;
    await stack.db('regions').insert({ id: ids[i], parent_id: i ? ids[i - 1] : s.cityId, level: levels[i], name: `${levels[i]} B`, path });
  }
  [districtB, , communityB] = ids;
  const [org] = await stack.db('organisations')
    .insert({ name: 'Riverside social work', kind: 'social_work_organisation', grade: '5A', credit_code: creditCode(777001), staff_count: 9, certified_social_worker_count: 6, volunteer_count: 50, region_id: communityB })
    .returning('id');
  orgB = org.id;
  programme2 = await addProgramme(stack, s, testRules());
  [needA, needB] = await Promise.all([seedNeed(stack, s.communityId), seedNeed(stack, communityB)]);

  const made = await Promise.all([
    createUser(stack, ['applicant'], { organisationId: s.organisationId }),
    createUser(stack, ['applicant'], { organisationId: orgB }),
    createUser(stack, ['officer'], { regionId: s.cityId }),
    createUser(stack, ['officer'], { regionId: districtA }),
    createUser(stack, ['officer'], { regionId: districtB }),
    ...['reviewer', 'reviewer', 'reviewer', 'supervisor', 'supervisor', 'evaluator', 'evaluator'].map((r) => createUser(stack, [r as 'reviewer'])),
  ]);
  (['appA', 'appB', 'officerCity', 'officerA', 'officerB', 'reviewer', 'reviewer2', 'reviewer3', 'supervisor', 'supervisor2', 'evaluator', 'evaluator2'] as const).forEach((k, i) => (u[k] = made[i]));

  // Created one after another, so the library's newest-first order is B2, B1, A3, A2, A1.
  p.A1 = await createProject(stack, u.appA, s, needA, { title: 'Silver companions', proposal: proposal('elderly') });
  p.A2 = await createProject(stack, u.appA, s, needA, { title: 'After-school club', proposal: proposal('children'), programmeId: programme2 });
  p.A3 = await createProject(stack, u.appA, s, needA, { title: 'Home care for the disabled', proposal: proposal('people_with_disabilities') });
  p.B1 = await createProject(stack, u.appB, s, needB, { title: 'Rider rest stations', proposal: proposal('new_employment_workers'), regionId: communityB });
  p.B2 = await createProject(stack, u.appB, s, needB, { title: 'Silver meals', proposal: proposal('elderly'), regionId: communityB });

  const castA: Cast = { applicant: u.appA, officer: u.officerCity, reviewer: u.reviewer3, evaluator: u.evaluator };
  await driveTo(stack, castA, s.rules, p.A1, 'review');
  expectStatus(await as(stack, u.officerA).post(`/api/v1/projects/${p.A1}/review/panel`, { reviewerIds: [u.reviewer.id] }), 200);
  await driveTo(stack, castA, s.rules, p.A3, 'delivery');
  expectStatus(await as(stack, u.officerA).post(`/api/v1/projects/${p.A3}/supervisor`, { supervisorId: u.supervisor.id }), 200);
  expectStatus(await as(stack, u.officerA).post(`/api/v1/projects/${p.A3}/evaluations`, { kind: 'mid_term', evaluatorId: u.evaluator.id }), 200);
  const complaint = expectStatus(await as(stack, u.officerA).post(`/api/v1/projects/${p.A3}/complaints`, { receivedOn: today(), description: 'A visit was missed' }), 201);
  expect(complaint.body.colour).toBe('blue');
  expectStatus(await as(stack, u.appB).post(`/api/v1/projects/${p.B2}/withdraw`, { reason: 'merged into Rider rest stations' }), 200);
});
afterAll(async () => {
  await stack.close();
});

const ids = (res: { body: { items: { id: string }[] } }) => res.body.items.map((i) => i.id);
const name = (id: string) => Object.entries(p).find(([, v]) => v === id)?.[0] ?? id;
async function library(user: TestUser, query = ''): Promise<string[]> {
  const res = await as(stack, user).get(`/api/v1/projects${query ? `?${query}` : ''}`);
  expect(res.status).toBe(200);
  return ids(res).map(name);
}

describe('applicants', () => {
  test('see only their organisation\'s projects, in the library and one by one', async () => {
    expect(await library(u.appA)).toEqual(['A3', 'A2', 'A1']);
    expect(await library(u.appB)).toEqual(['B2', 'B1']);
    expect((await as(stack, u.appA).get(`/api/v1/projects/${p.A1}`)).status).toBe(200);
  });

  test('get 404 for another organisation\'s project, whether reading or changing it, and nothing changes', async () => {
    const before = await footprint(stack, p.A2);
    const other = as(stack, u.appB);
    const answers = [
      await other.get(`/api/v1/projects/${p.A2}`),
      await other.get(`/api/v1/projects/${p.A2}/timeline`),
      await other.get(`/api/v1/projects/${p.A2}/design/versions`),
      await other.put(`/api/v1/projects/${p.A2}/design`, { proposal: sampleProposal(1_000_000) }),
      await other.post(`/api/v1/projects/${p.A2}/design/submit`),
      await other.post(`/api/v1/projects/${p.A2}/withdraw`, { reason: 'not ours' }),
      await other.post(`/api/v1/projects/${p.A3}/reports`, { period: 1, summary: 'not ours', indicatorProgress: [] }),
    ];
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 404));
    expect(await footprint(stack, p.A2)).toEqual(before);
    expect((await stack.db('projects').where({ id: p.A2 }).first('draft')).draft).toEqual(proposal('children'));
    expect(await stack.db('monthly_reports').where({ project_id: p.A3 })).toEqual([]);
  });
});

describe('reviewers, supervisors and evaluators', () => {
  test('see only what is assigned to them; anything else answers 404', async () => {
    expect(await library(u.reviewer)).toEqual(['A1']);
    expect((await as(stack, u.reviewer).get(`/api/v1/projects/${p.A1}`)).status).toBe(200);
    expect((await as(stack, u.reviewer).get(`/api/v1/projects/${p.A2}`)).status).toBe(404);
    expect(await library(u.reviewer2)).toEqual([]);
    expect((await as(stack, u.reviewer2).get(`/api/v1/projects/${p.A1}`)).status).toBe(404);
    expect((await as(stack, u.reviewer2).get(`/api/v1/projects/${p.A1}/review`)).status).toBe(404);

    expect(await library(u.supervisor)).toEqual(['A3']);
    expect((await as(stack, u.supervisor).get(`/api/v1/projects/${p.A3}/monitoring`)).status).toBe(200);
    expect((await as(stack, u.supervisor).get(`/api/v1/projects/${p.A1}`)).status).toBe(404);
    expect(await library(u.supervisor2)).toEqual([]);
    expect((await as(stack, u.supervisor2).get(`/api/v1/projects/${p.A3}`)).status).toBe(404);

    expect(await library(u.evaluator)).toEqual(['A3']);
    expect((await as(stack, u.evaluator).get(`/api/v1/projects/${p.A3}/evaluations`)).status).toBe(200);
    expect(await library(u.evaluator2)).toEqual([]);
    expect((await as(stack, u.evaluator2).get(`/api/v1/projects/${p.A3}/evaluations`)).status).toBe(404);
  });

  test('a supervisor not assigned cannot record a visit (404), and nothing is written', async () => {
    const before = await footprint(stack, p.A3);
    const dims = Object.fromEntries(s.rules.monitoring.supervisionDimensions.map((d) => [d.key, 90]));
    const res = await as(stack, u.supervisor2).post(`/api/v1/projects/${p.A3}/supervision-visits`, { visitedOn: today(), scores: dims });
    expect(res.status).toBe(404);
    expect(await footprint(stack, p.A3)).toEqual(before);
    expect(await stack.db('supervision_visits').where({ project_id: p.A3 })).toEqual([]);
  });
});

describe('officers', () => {
  test('see their region subtree: the city officer everything, a district officer only that district', async () => {
    expect(await library(u.officerCity)).toEqual(['B2', 'B1', 'A3', 'A2', 'A1']);
    expect(await library(u.officerA)).toEqual(['A3', 'A2', 'A1']);
    expect(await library(u.officerB)).toEqual(['B2', 'B1']);
    // Filtering on another subtree cannot widen the scope.
    expect(await library(u.officerB, `regionId=${districtA}`)).toEqual([]);
  });

  test('of another district get 404 on reading and on every move, and nothing is written', async () => {
    const before = [await footprint(stack, p.A1), await footprint(stack, p.A3)];
    const off = as(stack, u.officerB);
    const answers = [
      await off.get(`/api/v1/projects/${p.A1}`),
      await off.get(`/api/v1/projects/${p.A1}/timeline`),
      await off.post(`/api/v1/projects/${p.A1}/review/reassign`, { fromReviewerId: u.reviewer.id, toReviewerId: u.reviewer2.id }),
      await off.post(`/api/v1/projects/${p.A1}/review/decision`, { decision: 'reject', comment: 'not mine to say' }),
      await off.post(`/api/v1/projects/${p.A1}/withdraw`, { reason: 'not mine' }),
      await off.post(`/api/v1/projects/${p.A3}/complaints`, { receivedOn: today(), description: 'hearsay' }),
      await off.post(`/api/v1/projects/${p.A3}/supervisor`, { supervisorId: u.supervisor2.id }),
      await off.post(`/api/v1/projects/${p.A3}/evaluations`, { kind: 'final', evaluatorId: u.evaluator2.id }),
    ];
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 404));
    expect([await footprint(stack, p.A1), await footprint(stack, p.A3)]).toEqual(before);
    expect((await stack.db('projects').where({ id: p.A3 }).first('supervisor_id')).supervisor_id).toBe(u.supervisor.id);
  });
});

describe('the project library', () => {
  test.each([
    ['regionId=district A', () => `regionId=${districtA}`, ['A3', 'A2', 'A1']],
    ['regionId=district B', () => `regionId=${districtB}`, ['B2', 'B1']],
    ['regionId=city', () => `regionId=${s.cityId}`, ['B2', 'B1', 'A3', 'A2', 'A1']],
    ['regionLevel=community', () => 'regionLevel=community', ['B2', 'B1', 'A3', 'A2', 'A1']],
    ['regionLevel=street', () => 'regionLevel=street', []],
    ['programmeId', () => `programmeId=${programme2}`, ['A2']],
    ['one stage', () => 'stage=review', ['A1']],
    ['a repeated stage', () => 'stage=design&stage=withdrawn', ['B2', 'B1', 'A2']],
    ['colour', () => 'colour=blue', ['A3']],
    ['two colours', () => 'colour=blue&colour=red', ['A3']],
    ['targetGroup', () => 'targetGroup=elderly', ['B2', 'A1']],
    ['organisationId', () => `organisationId=${orgB}`, ['B2', 'B1']],
    ['q, case-insensitive', () => 'q=silver', ['B2', 'A1']],
    ['q with a LIKE wildcard', () => 'q=%25', []],
    ['filters combined', () => `q=silver&stage=review&regionId=${districtA}`, ['A1']],
  ])('filters by %s', async (_label, query, expected) => {
    expect(await library(u.officerCity, query())).toEqual(expected);
  });

  test('pages with a keyset cursor: every project exactly once, newest first, then no cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await as(stack, u.officerCity).get(`/api/v1/projects?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...ids(res).map(name));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(['B2', 'B1', 'A3', 'A2', 'A1']);
    const bad = await as(stack, u.officerCity).get('/api/v1/projects?cursor=bm90LWEtY3Vyc29y');
    expect(bad.status).toBe(400);
  });

  test('stats count projects per stage and colour, for the region and each child region, within the caller\'s scope', async () => {
    const res = await as(stack, u.officerCity).get(`/api/v1/projects/stats?regionId=${s.cityId}`);
    expect(res.status).toBe(200);
    expect(res.body.byStage).toEqual({ design: 2, review: 1, delivery: 1, withdrawn: 1 });
    expect(res.body.byColour).toEqual({ green: 4, blue: 1 });
    const byId = Object.fromEntries(res.body.children.map((c: { regionId: string }) => [c.regionId, c]));
    expect(Object.keys(byId).sort()).toEqual([districtA, districtB].sort());
    expect(byId[districtA]).toMatchObject({ byStage: { design: 1, review: 1, delivery: 1 }, byColour: { green: 2, blue: 1 } });
    expect(byId[districtB]).toMatchObject({ byStage: { design: 1, withdrawn: 1 }, byColour: { green: 2 } });

    const scoped = await as(stack, u.officerB).get(`/api/v1/projects/stats?regionId=${s.cityId}`);
    expect(scoped.status).toBe(200);
    expect(scoped.body.byStage).toEqual({ design: 1, withdrawn: 1 });
    expect(scoped.body.children.map((c: { regionId: string }) => c.regionId)).toEqual([districtB]);
  });
});

describe('the inbox', () => {
  test('shows each person the task waiting for them, and marks it done after the move', async () => {
    const id = await createProject(stack, u.appA, s, needA, { title: 'Inbox walk-through' });
    const tasks = async (user: TestUser, status: 'open' | 'done' = 'open') => {
      const res = await as(stack, user).get(`/api/v1/me/tasks?projectId=${id}&status=${status}`);
      expect(res.status).toBe(200);
      return res.body.items.map((t: { kind: string }) => t.kind).sort();
    };
    // From its creation the project waits for its applicant organisation's design, and only theirs.
    expect(await tasks(u.appA)).toEqual(['submit_design']);
    expect(await tasks(u.appB)).toEqual([]);
    expectStatus(await as(stack, u.appA).post(`/api/v1/projects/${id}/design/submit`), 200);
    expect(await tasks(u.officerCity)).toEqual(['assign_panel']);
    expect(await tasks(u.officerA)).toEqual(['assign_panel']);
    expect(await tasks(u.officerB)).toEqual([]);
    expect(await tasks(u.reviewer)).toEqual([]);

    expectStatus(await as(stack, u.officerA).post(`/api/v1/projects/${id}/review/panel`, { reviewerIds: [u.reviewer.id] }), 200);
    expect(await tasks(u.officerCity)).toEqual([]);
    expect(await tasks(u.officerCity, 'done')).toEqual(['assign_panel']);
    expect(await tasks(u.reviewer)).toEqual(['score_review']);
    expect(await tasks(u.reviewer2)).toEqual([]);

    expectStatus(await as(stack, u.reviewer).put(`/api/v1/projects/${id}/review/score`, { scores: rubricScores(s.rules, 4), comments: 'needs work' }), 200);
    expect(await tasks(u.reviewer)).toEqual([]);
    expect(await tasks(u.reviewer, 'done')).toEqual(['score_review']);
    expect(await tasks(u.officerA)).toEqual(['decide_review']);

    expectStatus(await as(stack, u.officerA).post(`/api/v1/projects/${id}/review/decision`, { decision: 'revise', comment: 'add indicators' }), 200);
    expect(await tasks(u.officerA)).toEqual([]);
    expect(await tasks(u.officerA, 'done')).toEqual(['assign_panel', 'decide_review']);
    expect(await tasks(u.appA)).toEqual(['revise_design']);
    expect(await tasks(u.appB)).toEqual([]);

    expectStatus(await as(stack, u.appA).post(`/api/v1/projects/${id}/design/submit`), 200);
    expect(await tasks(u.appA)).toEqual([]);
    expect(await tasks(u.appA, 'done')).toEqual(['revise_design', 'submit_design']);
    expect(await tasks(u.officerA)).toEqual(['assign_panel']);
    const rows = await stack.db('tasks').where({ project_id: id }).orderBy('created_at').select('kind', 'status', 'completed_at');
    expect(rows.map((r) => [r.kind, r.status, r.completed_at !== null])).toEqual([
      ['submit_design', 'done', true], ['assign_panel', 'done', true], ['score_review', 'done', true], ['decide_review', 'done', true], ['revise_design', 'done', true], ['assign_panel', 'open', false],
    ]);
  });
});
