import { startStack, createUser, type Stack } from '../helpers/stack';
import { seedProgramme, seedApprovedProject } from '../helpers/projects';
import { executeProjectUpdate, projectWorkflowId, queryProject } from '../../api/projects/service';
import { fundDirectly, recordServiceRecord } from '../../workflows/messages';
import { agreementTerms, today } from '../helpers/lifecycle';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
});

async function continuedFrom(projectId: string): Promise<string> {
  const history = await stack.client.workflow.getHandle(projectWorkflowId(projectId)).fetchHistory();
  return history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? '';
}

test('when a run reaches its update budget, the lifecycle continues as new with its state, timers and history intact', async () => {
  const s = await seedProgramme(stack);
  const officer = await createUser(stack, ['officer', 'reviewer']);
  // Three updates a run: the four moves to approval already cross one boundary.
  const projectId = await seedApprovedProject(stack, s, officer.id, { maxUpdatesPerRun: 3 });
  expect(await continuedFrom(projectId)).not.toBe('');

  const approved = await queryProject(stack.deps, projectId);
  expect(approved).toMatchObject({ stage: 'approved', version: 1 });
  expect(approved!.panel).toEqual([expect.objectContaining({ reviewerId: officer.id, scored: true, total: 100 })]);

  const agreement = { ...agreementTerms(), fundingSources: [{ funderOrganisationId: null, name: 'Street office', kind: 'government' as const, valueFen: 5_000_000 }] };
  const funded = await executeProjectUpdate(stack.deps, projectId, fundDirectly, { actorId: officer.id, agreement });
  expect(funded.stage).toBe('delivery');
  const firstRun = await continuedFrom(projectId);
  for (let i = 0; i < 4; i++) {
    const record = { id: crypto.randomUUID(), activity: `Visit ${i}`, heldOn: today(), place: 'Hall', peopleServed: 5, volunteers: [] };
    await executeProjectUpdate(stack.deps, projectId, recordServiceRecord, { actorId: officer.id, record });
  }
  expect(await continuedFrom(projectId)).not.toBe(firstRun);

  const live = await queryProject(stack.deps, projectId);
  expect(live).toMatchObject({ stage: 'delivery', agreement: expect.objectContaining({ amountFen: 5_000_000 }) });
  expect(live!.reports).toHaveLength(1); // the pending report timer came along
  const kinds = (await stack.db('project_events').where({ project_id: projectId }).orderBy('id')).map((e) => e.kind);
  expect(kinds).toEqual(['designSubmitted', 'panelAssigned', 'reviewScored', 'reviewDecided', 'fundedDirectly', 'serviceRecorded', 'serviceRecorded', 'serviceRecorded', 'serviceRecorded']);
  expect(await stack.db('service_records').where({ project_id: projectId }).count({ n: '*' }).first()).toEqual({ n: '4' });
});
