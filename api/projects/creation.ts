import crypto from 'node:crypto';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { projectLifecycle } from '../../workflows/project-lifecycle';
import { createProject as createProjectUpdate, type NewProject, type ProjectView } from '../../workflows/messages';
import type { ProgrammeRules } from '../../workflows/rules/programme-rules';
import { projectWorkflowId } from './ids';
import { runWorkflowUpdate, temporalOf, type UpdateDeps } from '../updates';

/**
 * The project's id: from the Idempotency-Key when there is one, so a request retried after the API died
 * reaches the same workflow (and the same update) instead of making a second project.
 */
export function newProjectId(idempotencyKey?: string): string {
  if (!idempotencyKey) return crypto.randomUUID();
  const h = crypto.createHash('sha256').update(`project:${idempotencyKey}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Creates a project as one durable operation: the workflow starts and, in the same call, takes the
 * createProject update whose activity writes the rows and the audit entry in one transaction
 * (update-with-start). There is no step in between for a crash to fall into: either the engine has both, and
 * the write completes even if this process dies, or it has neither.
 */
export async function createProject(
  deps: UpdateDeps,
  input: { projectId: string; actorId: string; rules: ProgrammeRules; project: NewProject },
  updateId?: string,
): Promise<ProjectView> {
  const { client, taskQueue } = temporalOf(deps);
  const { projectId, project } = input;
  const start = new WithStartWorkflowOperation(projectLifecycle, {
    workflowId: projectWorkflowId(projectId),
    taskQueue,
    args: [{ projectId, programmeId: project.programmeId, organisationId: project.organisationId, regionPath: project.region.path, rules: input.rules }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  return runWorkflowUpdate(deps, { move: 'createProject', currentStage: async () => 'design' }, () =>
    client.workflow.executeUpdateWithStart(createProjectUpdate, { args: [{ actorId: input.actorId, project }], updateId: updateId ?? `create-${projectId}`, startWorkflowOperation: start }),
  );
}
