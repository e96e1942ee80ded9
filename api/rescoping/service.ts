// Re-scoping a partial contest award: the applicant's answer goes to the project workflow, which decides the stage
// (409 naming it) and the rule (422: the lines add up to the award) before anything is written.
import { acceptRescoping as acceptRescopingUpdate, declineRescoping as declineRescopingUpdate, type BudgetLine } from '../../workflows/messages';
import type { Principal } from '../auth';
import type { AppDeps } from '../deps';
import { loadVisibleProject, requireApplicant, type ProjectViewOut } from '../projects/access';
import { moveProject } from '../projects/service';

export async function acceptRescoping(deps: AppDeps, user: Principal, projectId: string, input: { budgetLines: BudgetLine[]; note?: string }, updateId?: string): Promise<ProjectViewOut> {
  const project = await loadVisibleProject(deps.db, user, projectId);
  requireApplicant(user, project);
  return moveProject(deps, user, project, acceptRescopingUpdate, { actorId: user.id, budgetLines: input.budgetLines, ...(input.note ? { note: input.note } : {}) }, updateId);
}

export async function declineRescoping(deps: AppDeps, user: Principal, projectId: string, reason: string, updateId?: string): Promise<ProjectViewOut> {
  const project = await loadVisibleProject(deps.db, user, projectId);
  requireApplicant(user, project);
  return moveProject(deps, user, project, declineRescopingUpdate, { actorId: user.id, reason }, updateId);
}
