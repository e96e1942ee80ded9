import type { Knex } from 'knex';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowNotFoundError, type UpdateDefinition } from '@temporalio/common';
import { projectLifecycle } from '../workflows/project-lifecycle';
import { getState, type ProjectView } from '../workflows/messages';
import type { ProgrammeRules } from '../workflows/rules/programme-rules';
import { NotFoundError } from './errors';
import type { AppDeps } from './deps';
import { executeWorkflowUpdate, temporalOf, type UpdateDeps } from './updates';

export const projectWorkflowId = (projectId: string) => `project-${projectId}`;

/** Starts the lifecycle of a project whose row was just committed; an existing workflow with that id is kept. */
export async function startProjectWorkflow(
  deps: Pick<AppDeps, 'temporal'>,
  input: { projectId: string; programmeId: string; organisationId: string; regionPath: string; rules: ProgrammeRules; maxUpdatesPerRun?: number },
): Promise<void> {
  const { client, taskQueue } = temporalOf(deps);
  try {
    await client.workflow.start(projectLifecycle, { workflowId: projectWorkflowId(input.projectId), taskQueue, args: [input] });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

async function currentStage(db: Knex, projectId: string): Promise<string> {
  const row = await db('projects').where({ id: projectId }).first('stage');
  if (!row) throw new NotFoundError('project');
  return row.stage as string;
}

/**
 * Runs a stage move on the project's workflow and maps what the workflow refuses onto HTTP:
 * an illegal move → 409 naming the current stage, a broken rule → 422, a conflict → 409.
 * The update id comes from the Idempotency-Key when there is one, so a retried request is the same update.
 */
export async function executeProjectUpdate<A extends object>(
  deps: UpdateDeps,
  projectId: string,
  update: UpdateDefinition<ProjectView, [A]>,
  args: A,
  updateId?: string,
): Promise<ProjectView> {
  return executeWorkflowUpdate(deps, { workflowId: projectWorkflowId(projectId), move: update.name, currentStage: () => currentStage(deps.db, projectId) }, update, args, updateId);
}

/** The live state, or null when the workflow is finished or no worker answers in time (the record still answers). */
export async function queryProject(deps: Pick<AppDeps, 'temporal'>, projectId: string, timeoutMs = 3000): Promise<ProjectView | null> {
  const { client } = temporalOf(deps);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      client.workflow.getHandle(projectWorkflowId(projectId)).query(getState),
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), timeoutMs);
      }),
    ]);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
