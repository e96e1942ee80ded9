// Issue 10: the refusals a workflow's update validator (or an activity under its lock) answers with carry catalogue
// keys and params, and the API renders them in the request's language: Chinese by default, English on request.
import { startStack, type Stack } from '../helpers/stack';
import { as } from '../helpers/api';
import { seedProgramme, type Seeded } from '../helpers/projects';
import { createCast, createProject, driveTo, footprint, seedNeed, type Cast } from '../helpers/lifecycle';

let stack: Stack;
let s: Seeded;
let cast: Cast;
let id: string;

beforeAll(async () => {
  stack = await startStack();
  s = await seedProgramme(stack);
  cast = await createCast(stack, s);
  id = await createProject(stack, cast.applicant, s, await seedNeed(stack, s.communityId));
  await driveTo(stack, cast, s.rules, id, 'delivery');
});
afterAll(async () => {
  await stack.close();
});

const report = (lang?: string) => {
  const r = as(stack, cast.applicant).post(`/api/v1/projects/${id}/reports`, { period: 9, summary: 'too early', indicatorProgress: [{ name: 'home visits', achieved: 1 }] });
  return lang ? r.set('Accept-Language', lang) : r;
};

test("a monthly report for a period not open is refused 422 with the workflow's reason in Chinese by default, and nothing is written", async () => {
  const before = await footprint(stack, id);
  const res = await report();
  expect(res.status).toBe(422);
  expect(res.body.errors).toEqual([{ field: '/body/period', rule: 'period-open', message: '第 9 期尚未开始（已开始的期次：1）' }]);
  expect(res.body.detail).toBe('/body/period：第 9 期尚未开始（已开始的期次：1）');
  expect(await footprint(stack, id)).toEqual(before);
});

test('the same refusal reads in English with Accept-Language: en; field and rule stay', async () => {
  const res = await report('en');
  expect(res.status).toBe(422);
  expect(res.body.errors).toEqual([{ field: '/body/period', rule: 'period-open', message: 'period 9 has not started yet (open periods: 1)' }]);
});

test('closing a project still in delivery is an illegal move whose detail is Chinese by default and English on request', async () => {
  const close = (lang: string) => as(stack, cast.officer).post(`/api/v1/projects/${id}/close`, { finalReport: 'done' }).set('Accept-Language', lang);
  const [zh, en] = [await close('zh-CN'), await close('en')];
  expect([zh.status, en.status]).toEqual([409, 409]);
  // Closing is a move of the evaluation stage: in delivery it is an illegal move, its detail naming the stage.
  expect(zh.body.detail).toMatch(/当前阶段/);
  expect(en.body.detail).not.toMatch(/当前阶段/);
});
