// Hardening of the contest routes (issue 9): body references checked like path ids, no existence oracle, a retry
// after an applied move gets its result, and blindness across every route a judge can call.
import crypto from 'node:crypto';
import request from 'supertest';
import { buildRegistry } from '../../api/app';
import type { RegisteredOperation } from '../../api/registry';
import { ROLES, type Role } from '../../db/repositories/users';
import { as } from '../helpers/api';
import { contestBody, expectStatus, openContest, seedOrganisation } from '../helpers/contests';
import { seedApprovedProject, seedProgramme, type Seeded } from '../helpers/projects';
import { createUser, startStack, type Stack, type TestUser } from '../helpers/stack';

let stack: Stack;
let s: Seeded;
let elsewhere: Seeded;
let officer: TestUser;
let organiser: TestUser;

beforeAll(async () => {
  stack = await startStack();
  [s, elsewhere] = await Promise.all([seedProgramme(stack), seedProgramme(stack)]);
  officer = await createUser(stack, ['reviewer', 'officer']);
  organiser = await createUser(stack, ['organiser'], { regionId: s.cityId });
});
afterAll(async () => {
  await stack.close();
});

const stageOf = async (projectId: string) => (await stack.db('projects').where({ id: projectId }).first('stage')).stage as string;
const count = async (table: string, where: Record<string, unknown> = {}) => Number((await stack.db(table).where(where).count({ n: '*' }).first())?.n);

describe('entering a project another district owns', () => {
  test("an organiser entering another district's project gets 404, exactly as for an unknown id, and nothing moves", async () => {
    const foreign = await seedApprovedProject(stack, elsewhere, officer.id, { title: 'another district' });
    const id = await openContest(stack, organiser, contestBody(s, { programmeIds: [s.programmeId, elsewhere.programmeId] }));
    const enter = (projectId: string) => as(stack, organiser).post(`/api/v1/contests/${id}/entries`, { projectId, trackKey: 'elderly' });
    const [foreignRes, unknownRes] = [await enter(foreign), await enter(crypto.randomUUID())];
    expect(foreignRes.status).toBe(404);
    expect(unknownRes.status).toBe(404);
    const shape = (b: Record<string, unknown>) => ({ type: b.type, title: b.title, detail: b.detail });
    expect(shape(foreignRes.body)).toEqual(shape(unknownRes.body));
    expect(await stageOf(foreign)).toBe('approved');
    expect(await count('contest_entries', { contest_id: id })).toBe(0);
  });

  test("an applicant entering another organisation's project gets 404, as for an unknown id", async () => {
    const orgB = await seedOrganisation(stack, s);
    const applicantA = await createUser(stack, ['applicant'], { organisationId: s.organisationId });
    const theirs = await seedApprovedProject(stack, s, officer.id, { organisationId: orgB, title: 'B project' });
    const id = await openContest(stack, organiser, contestBody(s));
    const res = await as(stack, applicantA).post(`/api/v1/contests/${id}/entries`, { projectId: theirs, trackKey: 'elderly' });
    expect(res.status).toBe(404);
    expect(await stageOf(theirs)).toBe('approved');
  });
});

/**
 * Every uuid a contest operation's body carries is a reference. The walk takes the list from the registry itself,
 * so a reference added later fails here until the table below says what a foreign one is.
 */
describe('every body reference of the contest operations, for every role', () => {
  const contestOps = buildRegistry().routes.filter((r) => r.path.startsWith('/api/v1/contests') && r.body);
  const uuidFields = (op: RegisteredOperation): string[] => {
    const props = (op.body as { properties?: Record<string, { format?: string; type?: string; items?: { format?: string } }> }).properties ?? {};
    return Object.entries(props)
      .filter(([, p]) => p.format === 'uuid' || (p.type === 'array' && p.items?.format === 'uuid'))
      .map(([k]) => `${op.operationId} ${k}`);
  };
  const references = contestOps.flatMap(uuidFields).sort();

  interface World {
    draftId: string;
    openId: string;
    otherEntryId: string;
    foreignProjectId: string;
    otherPledgeId: string;
    users: Map<Role, TestUser>;
  }
  let w: World;

  beforeAll(async () => {
    const funderOrg = await seedOrganisation(stack, s, { kind: 'company' });
    const otherFunderOrg = await seedOrganisation(stack, s, { kind: 'company' });
    const users = new Map<Role, TestUser>();
    for (const role of ROLES) {
      const extra = role === 'organiser' ? { regionId: s.cityId } : role === 'applicant' ? { organisationId: s.organisationId } : role === 'funder' ? { organisationId: funderOrg } : {};
      users.set(role, await createUser(stack, [role], extra));
    }
    const otherFunder = await createUser(stack, ['funder'], { organisationId: otherFunderOrg });
    const foreignProjectId = await seedApprovedProject(stack, elsewhere, officer.id, { title: 'foreign' });
    const mine = await seedApprovedProject(stack, s, officer.id, { title: 'entered elsewhere' });
    const draftId = expectStatus(await as(stack, organiser).post('/api/v1/contests', contestBody(s)), 201).body.id;
    const openId = await openContest(stack, organiser, contestBody(s));
    const otherId = await openContest(stack, organiser, contestBody(s));
    const otherEntryId = expectStatus(await as(stack, organiser).post(`/api/v1/contests/${otherId}/entries`, { projectId: mine, trackKey: 'elderly' }), 201).body.id;
    const otherPledgeId = expectStatus(await as(stack, otherFunder).post(`/api/v1/contests/${openId}/pledges`, { kind: 'cash', valueFen: 10_000 }), 201).body.id;
    w = { draftId, openId, otherEntryId, foreignProjectId, otherPledgeId, users };
  });

  // For each reference: the call, with the reference foreign to the caller (it exists but they may not see or use it).
  // Admins see every object, so for them the reference is an unknown id.
  const unknown = () => crypto.randomUUID();
  const cases: Record<string, (admin: boolean) => { method: 'post' | 'patch'; path: string; body: Record<string, unknown> }> = {
    'contests.create regionId': (admin) => ({ method: 'post', path: '/api/v1/contests', body: { ...contestBody(s), regionId: admin ? unknown() : elsewhere.cityId } }),
    'contests.create programmeIds': () => ({ method: 'post', path: '/api/v1/contests', body: { ...contestBody(s), programmeIds: [unknown()] } }),
    'contests.update programmeIds': () => ({ method: 'patch', path: `/api/v1/contests/${w.draftId}`, body: { programmeIds: [unknown()] } }),
    'contestEntries.create projectId': (admin) => ({ method: 'post', path: `/api/v1/contests/${w.openId}/entries`, body: { projectId: admin ? unknown() : w.foreignProjectId, trackKey: 'elderly' } }),
    'contestJudges.add userIds': () => ({ method: 'post', path: `/api/v1/contests/${w.openId}/judges`, body: { userIds: [unknown()] } }),
    'contestAssignments.reassign entryId': () => ({ method: 'post', path: `/api/v1/contests/${w.openId}/rounds/preliminary/reassignments`, body: { entryId: w.otherEntryId, fromJudgeId: officer.id } }),
    'contestAssignments.reassign fromJudgeId': () => ({ method: 'post', path: `/api/v1/contests/${w.openId}/rounds/preliminary/reassignments`, body: { entryId: w.otherEntryId, fromJudgeId: unknown() } }),
    'contestAssignments.reassign toJudgeId': () => ({ method: 'post', path: `/api/v1/contests/${w.openId}/rounds/preliminary/reassignments`, body: { entryId: w.otherEntryId, fromJudgeId: officer.id, toJudgeId: unknown() } }),
    'contestSubscriptions.create pledgeId': (admin) => ({ method: 'post', path: `/api/v1/contests/${w.openId}/subscriptions`, body: { pledgeId: admin ? unknown() : w.otherPledgeId, entryId: w.otherEntryId, amountFen: 100 } }),
    'contestSubscriptions.create entryId': () => ({ method: 'post', path: `/api/v1/contests/${w.openId}/subscriptions`, body: { pledgeId: unknown(), entryId: w.otherEntryId, amountFen: 100 } }),
  };

  test('the table covers every body reference the contest operations declare', () => {
    expect(references.length).toBeGreaterThan(0);
    expect(Object.keys(cases).sort()).toEqual(references);
  });

  // The funding desk decides the phase before it looks at the references (one answer for a foreign and an unknown
  // reference alike, so nothing is learnt); in the funding phase test/funding shows another funder's pledge is a 404.
  const phaseFirst: Record<string, number> = { contestSubscriptions: 409 };

  test.each(Object.keys(cases))('%s: every role allowed to call it gets the same answer (404) for a foreign and an unknown reference, the others 403; nothing is written', async (ref) => {
    const op = contestOps.find((o) => o.operationId === ref.split(' ')[0])!;
    const tables = ['contests', 'contest_entries', 'contest_judges', 'contest_assignments', 'contest_subscriptions', 'contest_pledges'];
    const before = await Promise.all(tables.map((t) => count(t)));
    const got: Record<string, [number, number]> = {};
    const expected: Record<string, [number, number]> = {};
    const call = ({ method, path, body }: ReturnType<(typeof cases)[string]>, role: Role) => request(stack.app)[method](path).set('Authorization', `Bearer ${w.users.get(role)!.token}`).send(body);
    for (const role of ROLES) {
      const foreign = await call(cases[ref](role === 'admin'), role);
      const unknownRef = await call(cases[ref](true), role);
      got[role] = [foreign.status, unknownRef.status];
      const allowed = op.access === 'authenticated' || (Array.isArray(op.access) && op.access.includes(role));
      const status = allowed ? phaseFirst[op.operationId.split('.')[0]] ?? 404 : 403;
      expected[role] = [status, status];
    }
    expect(got).toEqual(expected);
    expect(await Promise.all(tables.map((t) => count(t)))).toEqual(before);
    expect(await stageOf(w.foreignProjectId)).toBe('approved');
  });
});

describe('a retry with the same Idempotency-Key after the move applied', () => {
  test('an entry retried after its answer was lost, once the contest has moved on, answers the entry (201), not 409', async () => {
    const projectId = await seedApprovedProject(stack, s, officer.id, { title: 'retried entry' });
    const id = await openContest(stack, organiser, contestBody(s));
    const key = `enter-${crypto.randomUUID()}`;
    const enter = () => as(stack, organiser).post(`/api/v1/contests/${id}/entries`, { projectId, trackKey: 'elderly' }, { 'Idempotency-Key': key });
    const first = expectStatus(await enter(), 201).body;
    // The answer is lost as after a 503: the key's stored answer is gone, the move stays applied.
    await stack.db('idempotency_keys').where({ key }).delete();
    expectStatus(await as(stack, organiser).post(`/api/v1/contests/${id}/close-entries`), 200);
    const retried = await enter();
    expect(retried.status).toBe(201);
    expect(retried.body).toMatchObject({ id: first.id, projectId, status: 'entered' });
    expect(await count('contest_entries', { contest_id: id, project_id: projectId })).toBe(1);
    expect(await stageOf(projectId)).toBe('in_contest');
  });

  test('a phase move retried after its answer was lost answers the applied move, even after the next move', async () => {
    const id = expectStatus(await as(stack, organiser).post('/api/v1/contests', contestBody(s)), 201).body.id;
    const key = `open-${crypto.randomUUID()}`;
    const open = () => as(stack, organiser).post(`/api/v1/contests/${id}/open-entries`, {}, { 'Idempotency-Key': key });
    expect(expectStatus(await open(), 200).body.phase).toBe('open');
    await stack.db('idempotency_keys').where({ key }).delete();
    expectStatus(await as(stack, organiser).post(`/api/v1/contests/${id}/close-entries`), 200);
    const retried = expectStatus(await open(), 200).body;
    expect(retried).toMatchObject({ contestId: id, phase: 'open' });
    expect((await stack.db('contests').where({ id }).first('phase')).phase).toBe('screening');
  });

  test('a move that needs nothing but the actor may come without a body', async () => {
    const id = expectStatus(await as(stack, organiser).post('/api/v1/contests', contestBody(s)), 201).body.id;
    const res = await request(stack.app).post(`/api/v1/contests/${id}/open-entries`).set('Authorization', `Bearer ${organiser.token}`);
    expect(res.status).toBe(200);
    expect(res.body.phase).toBe('open');
  });
});

describe('blind contests, for a judge who also holds another role', () => {
  test('a judge who is also an officer over the project learns its organisation through no route while the contest runs', async () => {
    const judge = await createUser(stack, ['reviewer', 'officer']);
    const orgName = `盲评机构 Blind org ${Date.now()}`;
    const org = await seedOrganisation(stack, s, { name: orgName });
    const title = `Blind officer entry ${Date.now()}`;
    const projectId = await seedApprovedProject(stack, s, judge.id, { organisationId: org, title });
    const other = await createUser(stack, ['reviewer']);
    const id = await openContest(stack, organiser, contestBody(s, { blind: true, rounds: [{ key: 'preliminary', name: 'Online', kind: 'online', criteria: [{ key: 'need', name: 'Need', weight: 100, minScore: 0, maxScore: 10 }], judgesPerEntry: 1, judgingDeadline: 'PT1H' }] }));
    expectStatus(await as(stack, organiser).post(`/api/v1/contests/${id}/judges`, { userIds: [judge.id] }), 200);
    const entryId = expectStatus(await as(stack, organiser).post(`/api/v1/contests/${id}/entries`, { projectId, trackKey: 'elderly' }), 201).body.id;
    expectStatus(await as(stack, organiser).post(`/api/v1/contests/${id}/close-entries`), 200);
    expectStatus(await as(stack, organiser).post(`/api/v1/contests/${id}/start-judging`), 200);

    const j = as(stack, judge);
    const answers = await Promise.all([
      j.get(`/api/v1/projects?q=${encodeURIComponent(title)}`),
      j.get(`/api/v1/projects/${projectId}`),
      j.get(`/api/v1/projects/${projectId}/timeline`),
      j.get(`/api/v1/projects/${projectId}/review`),
      j.get(`/api/v1/projects/${projectId}/design/versions`),
      j.get(`/api/v1/contests/${id}/entries`),
      j.get(`/api/v1/contests/${id}/entries/${entryId}`),
      j.get(`/api/v1/contests/${id}/assignments`),
      j.get(`/api/v1/contests/${id}/ranking`),
      j.get(`/api/v1/contests/${id}/results`),
      j.get('/api/v1/me/tasks'),
    ]);
    for (const res of answers) expect(res.status).toBeLessThan(500);
    expect(answers[answers.length - 1].status).toBe(200);
    // What the judge reads, without the echo of their own request (a problem's instance is the path they asked for).
    const text = answers.map((r) => JSON.stringify({ ...r.body, instance: undefined, requestId: undefined })).join('\n');
    expect(text).not.toContain(orgName);
    expect(text).not.toContain(org);
    expect(text).not.toContain(projectId);
    // The judge still judges the entry (it is theirs, without the organisation), and another reviewer sees nothing.
    expect(answers[7].body.items.map((a: { entry: { id: string } }) => a.entry.id)).toEqual([entryId]);
    expect((await as(stack, other).get(`/api/v1/contests/${id}/entries/${entryId}`)).status).toBe(404);
    // After publication the contest is no longer blind: the officer's scope shows the project again.
    await stack.db('contests').where({ id }).update({ published_at: new Date() });
    expect((await j.get(`/api/v1/projects/${projectId}`)).status).toBe(200);
  });
});
