// Issue 11: satisfaction (满意度) from the service loop's ratings becomes a drawn figure of the evaluation form. The
// evaluator may leave it to the figure, or score it otherwise only with a reason, which the timeline keeps.
import crypto from 'node:crypto';
import { startStack, createUser, type Stack, type TestUser } from '../helpers/stack';
import { as } from '../helpers/api';
import { expectStatus, indicatorScores } from '../helpers/lifecycle';
import { seedOrderWorld, type OrderWorld } from '../service-orders/fixtures';

let stack: Stack;
let w: OrderWorld;
let officer: TestUser;
let evaluator: TestUser;

/** A served order of the project, rated as given (the order loop itself is tested in test/service-orders/). */
async function servedOrder(rating: number | null): Promise<void> {
  const at = new Date(Date.now() - 3_600_000);
  await stack.db('service_orders').insert({
    id: crypto.randomUUID(), menu_item_id: w.menuItemId, project_id: w.projectId, category: 'companionship', community_id: w.s.communityId, region_path: w.s.communityPath,
    resident_id: null, resident_name: `居民${crypto.randomBytes(2).toString('hex')}`, phone: '13812345678', address: '幸福小区', window_from: at, window_to: new Date(at.getTime() + 7_200_000),
    status: rating === null ? 'served' : 'rated', ordered_by: w.dispatcher.id, ordered_at: at, checked_in_at: at, checked_out_at: new Date(at.getTime() + 1_800_000), people_served: 1,
    rating, rated_at: rating === null ? null : new Date(),
  });
}

beforeAll(async () => {
  stack = await startStack();
  w = await seedOrderWorld(stack);
  officer = await createUser(stack, ['officer'], { regionId: w.s.cityId });
  evaluator = await createUser(stack, ['evaluator']);
  // Three of four ratings are 4 or 5: satisfaction is drawn as 75.
  for (const r of [5, 4, 2, 5]) await servedOrder(r);
  await servedOrder(null);
  expectStatus(await as(stack, officer).post(`/api/v1/projects/${w.projectId}/evaluations`, { kind: 'mid_term', evaluatorId: evaluator.id }), 200);
});
afterAll(async () => {
  await stack.close();
});

const others = () => Object.fromEntries(Object.entries(indicatorScores(w.s.rules, 80)).filter(([k]) => k !== 'satisfaction'));
const submit = (body: object) => as(stack, evaluator).put(`/api/v1/projects/${w.projectId}/evaluations/mid_term`, body);

test('the drawn figure is what the service loop says: 3 of 4 ratings satisfied', async () => {
  const figures = expectStatus(await as(stack, officer).get(`/api/v1/projects/${w.projectId}/service-figures`), 200).body;
  expect(figures.satisfaction).toEqual({ ratings: 4, satisfied: 3, share: 0.75 });
});

test('scoring satisfaction other than its drawn figure without a reason is refused with 422 naming the score, and nothing is filed', async () => {
  const res = await submit({ scores: { ...others(), satisfaction: 95 }, comments: 'generous' });
  expect(res.status).toBe(422);
  expect(res.body.errors).toEqual([expect.objectContaining({ field: '/body/scores/satisfaction', rule: 'drawn-figure-override' })]);
  expect((await stack.db('evaluations').where({ project_id: w.projectId, kind: 'mid_term' }).whereNotNull('submitted_at').count({ n: '*' }).first())?.n).toBe('0');
});

test('an override of an indicator that is not drawn is refused', async () => {
  const res = await submit({ scores: others(), overrides: { outputs: 'I think so' }, comments: 'x' });
  expect(res.status).toBe(422);
  expect(res.body.errors).toEqual([expect.objectContaining({ field: '/body/overrides/outputs', rule: 'no-drawn-figure' })]);
});

test('with a reason the evaluator overrides the figure; the score counts and the timeline keeps the figure, the score and why', async () => {
  const reason = 'Two complaints were about a volunteer who has since left; residents told us so at the visit.';
  expectStatus(await submit({ scores: { ...others(), satisfaction: 90 }, overrides: { satisfaction: reason }, comments: 'on track' }), 200);
  const row = await stack.db('evaluations').where({ project_id: w.projectId, kind: 'mid_term' }).orderBy('round', 'desc').first();
  expect(row.scores.satisfaction).toBe(90);
  const ev = await stack.db('project_events').where({ project_id: w.projectId, kind: 'evaluationSubmitted' }).first();
  expect(ev.data.drawnFigures).toEqual({ satisfaction: { figure: 'satisfaction', drawn: 75, given: 90, reason } });
  const timeline = expectStatus(await as(stack, officer).get(`/api/v1/projects/${w.projectId}/timeline`), 200).body.items as { kind: string; data: Record<string, unknown> }[];
  expect(timeline.find((e) => e.kind === 'evaluationSubmitted')?.data.drawnFigures).toEqual({ satisfaction: { figure: 'satisfaction', drawn: 75, given: 90, reason } });
});
