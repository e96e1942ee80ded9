import { startStack, createUser, type Stack } from '../helpers/stack';
import { seedProgramme, seedApprovedProject } from '../helpers/projects';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
});

test('a seeded project driven through design and review ends approved, with its version, scores and decision recorded', async () => {
  const s = await seedProgramme(stack);
  const reviewer = await createUser(stack, ['reviewer', 'officer']);
  const projectId = await seedApprovedProject(stack, s, reviewer.id);
  const project = await stack.db('projects').where({ id: projectId }).first();
  expect(project.stage).toBe('approved');
  expect(project.current_version).toBe(1);
  expect(await stack.db('design_versions').where({ project_id: projectId }).count({ n: '*' }).first()).toEqual({ n: '1' });
  const decision = await stack.db('review_decisions').where({ project_id: projectId }).first();
  expect(decision.decision).toBe('approve');
  expect(decision.score_sheet.mean).toBe(100);
  const kinds = (await stack.db('project_events').where({ project_id: projectId }).orderBy('id')).map((e) => e.kind);
  expect(kinds).toEqual(['designSubmitted', 'panelAssigned', 'reviewScored', 'reviewDecided']);
});
