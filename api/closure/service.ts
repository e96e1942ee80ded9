// Closure (结项): close with the final report, or order rectification (整改) after the final evaluation.
import { closeProject as closeProjectUpdate, orderRectification as orderRectificationUpdate, terminateProject as terminateProjectUpdate } from '../../workflows/messages';
import type { Principal } from '../auth';
import type { AppDeps } from '../deps';
import { loadVisibleProject, requireOfficer, type ProjectViewOut } from '../projects/access';
import { moveProject } from '../projects/service';

export async function closeProject(deps: AppDeps, user: Principal, projectId: string, finalReport: string, updateId?: string): Promise<ProjectViewOut> {
  const project = await loadVisibleProject(deps.db, user, projectId);
  requireOfficer(user, project);
  return moveProject(deps, user, project, closeProjectUpdate, { actorId: user.id, finalReport }, updateId);
}

export async function orderRectification(deps: AppDeps, user: Principal, projectId: string, reason: string, updateId?: string): Promise<ProjectViewOut> {
  const project = await loadVisibleProject(deps.db, user, projectId);
  requireOfficer(user, project);
  return moveProject(deps, user, project, orderRectificationUpdate, { actorId: user.id, reason }, updateId);
}

/** Ends the project for good (终止) from any stage but an ended one, with the officer's reason. */
export async function terminateProject(deps: AppDeps, user: Principal, projectId: string, reason: string, updateId?: string): Promise<ProjectViewOut> {
  const project = await loadVisibleProject(deps.db, user, projectId);
  requireOfficer(user, project);
  return moveProject(deps, user, project, terminateProjectUpdate, { actorId: user.id, reason }, updateId);
}
