import { startStack, type Stack } from '../helpers/stack';
import { as } from '../helpers/api';
import { seedProgramme, type Seeded } from '../helpers/projects';
import { createCast, createProject, driveTo, expectStatus, indicatorScores, seedNeed, type Cast } from '../helpers/lifecycle';

let stack: Stack;
let s: Seeded;
let cast: Cast;
let needId: string;

beforeAll(async () => {
  stack = await startStack();
  s = await seedProgramme(stack);
  cast = await createCast(stack, s);
  needId = await seedNeed(stack, s.communityId);
});
afterAll(async () => {
  await stack.close();
});

const released = async (projectId: string) => (await stack.db('tranche_releases').where({ project_id: projectId }).orderBy('seq')).map((r) => [r.seq, Number(r.amount_fen)]);

test('tranches go out in order, once each; the final one waits for the evaluation and releases the share its grade earns', async () => {
  const id = await createProject(stack, cast.applicant, s, needId);
  const off = as(stack, cast.officer);
  expect((await off.post(`/api/v1/projects/${id}/tranches/1/release`)).status).toBe(409); // no agreement in design
  await driveTo(stack, cast, s.rules, id, 'delivery'); // agreement: 5,000,000 fen, final tranche 2,000,000

  const outOfOrder = await off.post(`/api/v1/projects/${id}/tranches/2/release`);
  expect(outOfOrder.status).toBe(422);
  expect(outOfOrder.body.errors[0].rule).toBe('in-order');
  expect(expectStatus(await off.post(`/api/v1/projects/${id}/tranches/1/release`, { note: '首期拨付' }), 201).body).toMatchObject({ seq: 1, releasedFen: 3_000_000, heldFen: 0 });
  expect((await off.post(`/api/v1/projects/${id}/tranches/1/release`)).status).toBe(409);
  const early = await off.post(`/api/v1/projects/${id}/tranches/2/release`);
  expect(early.status).toBe(422);
  expect(early.body.errors[0].rule).toBe('final-evaluation');
  expect(await released(id)).toEqual([[1, 3_000_000]]);

  // A "good" grade (85) releases 90% of the final tranche under the default rules; the rest is held.
  expectStatus(await off.post(`/api/v1/projects/${id}/evaluations`, { kind: 'final', evaluatorId: cast.evaluator.id }), 200);
  expectStatus(await as(stack, cast.evaluator).put(`/api/v1/projects/${id}/evaluations/final`, { scores: indicatorScores(s.rules, 85), comments: 'good' }), 200);
  const final = expectStatus(await off.post(`/api/v1/projects/${id}/tranches/2/release`), 201).body;
  expect(final).toMatchObject({ seq: 2, agreedFen: 2_000_000, releasedFen: 1_800_000, heldFen: 200_000 });
  const status = (await off.get(`/api/v1/projects/${id}/tranches`)).body;
  expect(status).toMatchObject({ agreedFen: 5_000_000, releasedFen: 4_800_000, finalGrade: 'good' });
  expect(await released(id)).toEqual([[1, 3_000_000], [2, 1_800_000]]);
});

test('a failing final evaluation holds the whole final tranche, and an applicant may not release money', async () => {
  const id = await createProject(stack, cast.applicant, s, needId);
  await driveTo(stack, cast, s.rules, id, 'evaluation');
  const off = as(stack, cast.officer);
  expectStatus(await off.post(`/api/v1/projects/${id}/tranches/1/release`), 201);
  expectStatus(await as(stack, cast.evaluator).put(`/api/v1/projects/${id}/evaluations/final`, { scores: indicatorScores(s.rules, 40), comments: 'weak' }), 200);
  const held = await off.post(`/api/v1/projects/${id}/tranches/2/release`);
  expect(held.status).toBe(422);
  expect(held.body.errors[0].rule).toBe('subsidy-held');
  expect((await as(stack, cast.applicant).post(`/api/v1/projects/${id}/tranches/1/release`)).status).toBe(403);
  expect(await released(id)).toEqual([[1, 3_000_000]]);
});
