import type { Response } from 'supertest';
import { createUser, type Stack, type TestUser } from './stack';
import { as } from './api';
import { sampleProposal, type Seeded } from './projects';
import type { Proposal } from '../../workflows/rules/proposal';
import type { ProgrammeRules } from '../../workflows/rules/programme-rules';

/** The people one API-driven lifecycle needs. */
export interface Cast {
  applicant: TestUser;
  officer: TestUser;
  reviewer: TestUser;
  evaluator: TestUser;
}

/** An applicant of the seeded organisation, an officer over its city, a reviewer and an evaluator. */
export async function createCast(stack: Stack, s: Seeded): Promise<Cast> {
  const [applicant, officer, reviewer, evaluator] = await Promise.all([
    createUser(stack, ['applicant'], { organisationId: s.organisationId }),
    createUser(stack, ['officer'], { regionId: s.cityId }),
    createUser(stack, ['reviewer']),
    createUser(stack, ['evaluator']),
  ]);
  return { applicant, officer, reviewer, evaluator };
}

export const today = () => new Date().toISOString().slice(0, 10);
export const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

/** Fails with the answer's body, so a broken step says why. */
export function expectStatus(res: Response, status: number): Response {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  return res;
}

/** A survey and one listed need in a community: projects created through the API must answer one. */
export async function seedNeed(stack: Stack, regionId: string): Promise<string> {
  const [survey] = await stack.db('surveys').insert({ region_id: regionId, title: 'Needs survey', conducted_on: '2026-03-01' }).returning('id');
  const [need] = await stack.db('needs')
    .insert({ survey_id: survey.id, region_id: regionId, category: 'companionship', target_group: 'elderly', people_affected: 80, urgency: 'high', source: 'grid_worker', description: 'Elderly living alone' })
    .returning('id');
  return need.id as string;
}

/** Another programme in the seeded city for the same organisation, with its own rules. */
export async function addProgramme(stack: Stack, s: Seeded, rules: ProgrammeRules): Promise<string> {
  const [row] = await stack.db('programmes').insert({ name: `Programme ${rules.review.panelSize}-${Date.now()}`, region_id: s.cityId, rules: JSON.stringify(rules) }).returning('id');
  return row.id as string;
}

export async function createProject(
  stack: Stack,
  applicant: TestUser,
  s: Seeded,
  needId: string,
  opts: { title?: string; proposal?: Proposal; regionId?: string; programmeId?: string } = {},
): Promise<string> {
  const res = await as(stack, applicant).post(`/api/v1/programmes/${opts.programmeId ?? s.programmeId}/projects`, {
    title: opts.title ?? 'Silver companions 银龄陪伴',
    regionId: opts.regionId ?? s.communityId,
    needIds: [needId],
    proposal: opts.proposal ?? sampleProposal(5_000_000),
  });
  return expectStatus(res, 201).body.id as string;
}

export function agreementTerms(amountFen = 5_000_000, finalFen = 2_000_000) {
  return {
    amountFen,
    startDate: today(),
    endDate: inDays(365),
    tranches: [
      { name: 'first', amountFen: amountFen - finalFen, releaseOn: today() },
      { name: 'final', amountFen: finalFen, releaseOn: inDays(365) },
    ],
  };
}

export const rubricScores = (rules: ProgrammeRules, below = 0) => Object.fromEntries(rules.review.criteria.map((c) => [c.key, c.maxScore - below]));
export const indicatorScores = (rules: ProgrammeRules, score: number) => Object.fromEntries(rules.evaluation.indicators.map((i) => [i.key, score]));

export type Target = 'design' | 'review' | 'approved' | 'delivery' | 'evaluation' | 'closed';
const ORDER: Target[] = ['design', 'review', 'approved', 'delivery', 'evaluation', 'closed'];

/** Drives a project in design through the API, one legal move at a time, until it reaches `target` (panel of one: the cast's reviewer). */
export async function driveTo(stack: Stack, cast: Cast, rules: ProgrammeRules, id: string, target: Target): Promise<void> {
  const app = as(stack, cast.applicant);
  const off = as(stack, cast.officer);
  const upTo = ORDER.indexOf(target);
  if (upTo < 1) return;
  expectStatus(await app.post(`/api/v1/projects/${id}/design/submit`), 200);
  if (upTo < 2) return;
  expectStatus(await off.post(`/api/v1/projects/${id}/review/panel`, { reviewerIds: [cast.reviewer.id] }), 200);
  expectStatus(await as(stack, cast.reviewer).put(`/api/v1/projects/${id}/review/score`, { scores: rubricScores(rules, 1), comments: 'sound' }), 200);
  expectStatus(await off.post(`/api/v1/projects/${id}/review/decision`, { decision: 'approve', comment: 'fund it' }), 200);
  if (upTo < 3) return;
  expectStatus(await off.post(`/api/v1/projects/${id}/agreement`, agreementTerms()), 200);
  if (upTo < 4) return;
  expectStatus(await off.post(`/api/v1/projects/${id}/evaluations`, { kind: 'final', evaluatorId: cast.evaluator.id }), 200);
  if (upTo < 5) return;
  expectStatus(await as(stack, cast.evaluator).put(`/api/v1/projects/${id}/evaluations/final`, { scores: indicatorScores(rules, 92), comments: 'fine' }), 200);
  expectStatus(await off.post(`/api/v1/projects/${id}/close`, { finalReport: 'done' }), 200);
}

/** What one project has written so far: a move refused before anything is written leaves all of it unchanged. */
export async function footprint(stack: Stack, projectId: string) {
  const count = async (table: string) => Number((await stack.db(table).where({ project_id: projectId }).count({ n: '*' }).first())?.n);
  const project = await stack.db('projects').where({ id: projectId }).first('stage', 'colour', 'current_version', 'updated_at');
  return {
    events: await count('project_events'),
    tasks: await stack.db('tasks').where({ project_id: projectId }).orderBy('key').select('key', 'status').then((rows) => rows.map((r) => `${r.key}=${r.status}`)),
    versions: await count('design_versions'),
    serviceRecords: await count('service_records'),
    spending: await count('spending_entries'),
    reports: await count('monthly_reports'),
    evaluations: await stack.db('evaluations').where({ project_id: projectId }).orderBy('kind').select('kind', 'evaluator_id', 'grade', 'submitted_at'),
    project: { ...project, updated_at: project.updated_at.toISOString() },
  };
}

export async function eventKinds(stack: Stack, projectId: string): Promise<string[]> {
  return (await stack.db('project_events').where({ project_id: projectId }).orderBy('id').select('kind')).map((e) => e.kind as string);
}
