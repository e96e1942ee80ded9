// Issue 10 §5: the unanswered-needs list names the project that once answered a need and ended without delivering.
import { startStack, createUser, type Stack } from '../helpers/stack';
import { as } from '../helpers/api';
import { createCast, createProject, expectStatus, rubricScores, seedNeed } from '../helpers/lifecycle';
import { seedProgramme } from '../helpers/projects';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
});

test('when the project answering a need is rejected at review, the need is unanswered again and names that project as rejected', async () => {
  const s = await seedProgramme(stack);
  const cast = await createCast(stack, s);
  const needId = await seedNeed(stack, s.communityId);
  const projectId = await createProject(stack, cast.applicant, s, needId, { title: 'Silver companions 银龄陪伴' });
  const unanswered = async (reader = cast.officer) => expectStatus(await as(stack, reader).get(`/api/v1/regions/${s.communityId}/unanswered-needs`), 200).body.items as { id: string; endedProjects: unknown[] }[];

  expect(await unanswered()).toEqual([]);

  const off = as(stack, cast.officer);
  expectStatus(await as(stack, cast.applicant).post(`/api/v1/projects/${projectId}/design/submit`), 200);
  expectStatus(await off.post(`/api/v1/projects/${projectId}/review/panel`, { reviewerIds: [cast.reviewer.id] }), 200);
  expectStatus(await as(stack, cast.reviewer).put(`/api/v1/projects/${projectId}/review/score`, { scores: rubricScores(s.rules, 5), comments: 'weak' }), 200);
  expect(await unanswered()).toEqual([]);
  expectStatus(await off.post(`/api/v1/projects/${projectId}/review/decision`, { decision: 'reject', comment: 'does not fit the need' }), 200);
  expect((await stack.db('projects').where({ id: projectId }).first('stage')).stage).toBe('rejected');

  const items = await unanswered();
  expect(items).toHaveLength(1);
  expect(items[0]).toMatchObject({ id: needId, endedProjects: [{ id: projectId, title: 'Silver companions 银龄陪伴', endedAs: 'rejected' }] });
  // The applicant organisation sees its own project named; an applicant of another organisation sees the need open
  // but not a project it may not see.
  expect((await unanswered(cast.applicant))[0].endedProjects).toEqual([{ id: projectId, title: 'Silver companions 银龄陪伴', endedAs: 'rejected' }]);
  const stranger = await createUser(stack, ['applicant']);
  expect(await unanswered(stranger)).toEqual([expect.objectContaining({ id: needId, endedProjects: [] })]);
});

test('a need no project ever answered is listed with no ended project', async () => {
  const s = await seedProgramme(stack);
  const cast = await createCast(stack, s);
  const needId = await seedNeed(stack, s.communityId);
  const items = expectStatus(await as(stack, cast.officer).get(`/api/v1/regions/${s.communityId}/unanswered-needs`), 200).body.items;
  expect(items).toEqual([expect.objectContaining({ id: needId, endedProjects: [] })]);
});
