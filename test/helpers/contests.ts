import crypto from 'node:crypto';
import type request from 'supertest';
import { as } from './api';
import { newToken } from '../../api/auth';
import type { Role } from '../../db/repositories/users';
import { createUser, creditCode, TEST_PASSWORD, type Stack, type TestUser } from './stack';
import { seedApprovedProject, type Seeded } from './projects';

let orgSeq = 0;

/** A graded social-work organisation (or a funder's company) in the seeded community, inserted directly. */
export async function seedOrganisation(stack: Stack, s: Seeded, opts: { name?: string; kind?: string } = {}): Promise<string> {
  const n = ++orgSeq;
  const [org] = await stack.db('organisations')
    .insert({
      name: opts.name ?? `Organisation ${n}`, kind: opts.kind ?? 'social_work_organisation', grade: opts.kind && opts.kind !== 'social_work_organisation' ? null : '4A',
      credit_code: creditCode(500000 + n + Math.floor(Math.random() * 400000)), staff_count: 8, certified_social_worker_count: 5, volunteer_count: 40, region_id: s.communityId,
    })
    .returning('id');
  return org.id as string;
}

/**
 * An account with a session written straight to the database: for scenarios with dozens of judges and funders,
 * where signing each in through the API (a deliberately slow password hash) would dominate the run.
 */
export async function quickUser(stack: Stack, roles: Role[], extra: { organisationId?: string | null } = {}): Promise<TestUser> {
  const login = `${roles.join('-')}-${crypto.randomBytes(4).toString('hex')}`;
  const [row] = await stack.db('users').insert({ login, display_name: login, password_hash: 'not-used', roles, organisation_id: extra.organisationId ?? null }).returning('id');
  const { token, tokenHash } = newToken();
  await stack.db('sessions').insert({ token_hash: tokenHash, user_id: row.id, expires_at: new Date(Date.now() + 3600_000) });
  return { id: row.id as string, login, password: TEST_PASSWORD, token, roles };
}

/** Runs `fn` over `items`, `limit` at a time, keeping the order of results. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}

export interface ProjectSpec {
  organisationId: string;
  title: string;
  amountAskedFen: number;
}

/** Approved projects through their real workflows, `parallel` at a time. */
export async function seedApprovedProjects(stack: Stack, s: Seeded, reviewer: TestUser, specs: ProjectSpec[], parallel = 10): Promise<string[]> {
  return mapLimit(specs, parallel, (p) => seedApprovedProject(stack, s, reviewer.id, p));
}

export interface ContestOptions {
  name?: string;
  tracks?: { key: string; name: string }[];
  rounds?: Record<string, unknown>[];
  normalisation?: string;
  blind?: boolean;
  matchingPoolFen?: number;
  matchingCapPerEntryFen?: number;
  entriesCloseAt?: string | null;
  programmeIds?: string[];
}

export const TRACKS = [
  { key: 'elderly', name: '为老服务 Elderly' },
  { key: 'children', name: '儿童关爱 Children' },
];

export function onlineRound(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    key: 'preliminary',
    name: '网络初评 Online preliminary',
    kind: 'online',
    criteria: [
      { key: 'need', name: '需求契合 Fit to need', weight: 60, minScore: 0, maxScore: 10 },
      { key: 'design', name: '项目设计 Design', weight: 40, minScore: 0, maxScore: 10 },
    ],
    judgesPerEntry: 2,
    judgingDeadline: 'PT1H',
    ...extra,
  };
}

export function contestBody(s: Seeded, o: ContestOptions = {}): Record<string, unknown> {
  return {
    name: o.name ?? '第一届公益创投大赛 First venture-funding contest',
    regionId: s.cityId,
    programmeIds: o.programmeIds ?? [s.programmeId],
    ...(o.entriesCloseAt !== undefined ? { entriesCloseAt: o.entriesCloseAt } : {}),
    tracks: o.tracks ?? TRACKS,
    rounds: o.rounds ?? [onlineRound()],
    normalisation: o.normalisation ?? 'raw_mean',
    blind: o.blind ?? false,
    matchingPoolFen: o.matchingPoolFen ?? 0,
    matchingCapPerEntryFen: o.matchingCapPerEntryFen ?? 0,
  };
}

/** Fails with the response body when the status is not the one expected, so a test failure says why. */
export function expectStatus(res: request.Response, status: number): request.Response {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  return res;
}

export interface ContestCast {
  organiser: TestUser;
  reviewer: TestUser;
}

export async function contestCast(stack: Stack, s: Seeded): Promise<ContestCast> {
  const [organiser, reviewer] = await Promise.all([createUser(stack, ['organiser'], { regionId: s.cityId }), createUser(stack, ['reviewer', 'officer'])]);
  return { organiser, reviewer };
}

/** Creates a contest and opens it for entries; returns its id. */
export async function openContest(stack: Stack, organiser: TestUser, body: Record<string, unknown>): Promise<string> {
  const created = expectStatus(await as(stack, organiser).post('/api/v1/contests', body), 201);
  expectStatus(await as(stack, organiser).post(`/api/v1/contests/${created.body.id}/open-entries`), 200);
  return created.body.id as string;
}

/** Enters projects (as the organiser), `parallel` at a time; returns the entry ids in the same order. */
export async function enterProjects(stack: Stack, organiser: TestUser, contestId: string, projects: { projectId: string; trackKey: string }[], parallel = 10): Promise<string[]> {
  return mapLimit(projects, parallel, async (p) => expectStatus(await as(stack, organiser).post(`/api/v1/contests/${contestId}/entries`, p), 201).body.id as string);
}

/** Every assignment of a round (as the organiser), all pages. */
export async function allAssignments(stack: Stack, organiser: TestUser, contestId: string, roundKey: string): Promise<{ entryId: string; judgeId: string }[]> {
  const out: { entryId: string; judgeId: string }[] = [];
  let cursor: string | null = null;
  do {
    const res = expectStatus(await as(stack, organiser).get(`/api/v1/contests/${contestId}/assignments?roundKey=${roundKey}&limit=500${cursor ? `&cursor=${cursor}` : ''}`), 200);
    for (const a of res.body.items) out.push({ entryId: a.entry.id, judgeId: a.judgeId });
    cursor = res.body.nextCursor;
  } while (cursor);
  return out;
}

/** Each judge scores each of their assignments with `scoresFor(entryId, judgeId)`, `parallel` sheets at a time. */
export async function scoreAll(
  stack: Stack,
  contestId: string,
  roundKey: string,
  assignments: { entryId: string; judgeId: string }[],
  judges: Map<string, TestUser>,
  scoresFor: (entryId: string, judgeId: string) => Record<string, number>,
  parallel = 10,
): Promise<void> {
  await mapLimit(assignments, parallel, async (a) => {
    expectStatus(await as(stack, judges.get(a.judgeId)!).put(`/api/v1/contests/${contestId}/rounds/${roundKey}/scores/${a.entryId}`, { scores: scoresFor(a.entryId, a.judgeId) }), 200);
  });
}

export const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
