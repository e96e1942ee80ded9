// Project design: the applicant's draft, its submission for review (eligibility first) and the frozen versions.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { writeAudit } from '../../db/repositories/audit';
import { designVersions, saveDraft, toDesignVersion } from '../../db/repositories/design';
import { findOrganisation } from '../../db/repositories/organisations';
import { appendProjectEvent, lockProject, toProjectJson, type ProjectJson } from '../../db/repositories/projects';
import { submitDesign as submitDesignUpdate } from '../../workflows/messages';
import { checkEligibility } from '../../workflows/rules/eligibility';
import { checkProposal, type Proposal } from '../../workflows/rules/proposal';
import type { Principal } from '../auth';
import type { AppDeps } from '../deps';
import { BusinessRuleError, IllegalMoveError } from '../errors';
import { msg } from '../../i18n';
import { loadVisibleProject, loadVisibleProjectWithRules, requireApplicant, type ProjectViewOut } from '../projects/access';
import { moveProject, violationsToErrors } from '../projects/service';

const EDITABLE_STAGES = ['design', 'revision'];

export async function saveDesign(
  trx: Knex.Transaction,
  user: Principal,
  requestId: string,
  now: Date,
  projectId: string,
  input: { proposal: Proposal; title?: string; summary?: string },
): Promise<ProjectJson & { draft: Proposal }> {
  const errors = violationsToErrors('/body/proposal', checkProposal(input.proposal));
  if (errors.length) throw new BusinessRuleError(errors);
  const project = await loadVisibleProject(trx, user, projectId);
  requireApplicant(user, project);
  const locked = (await lockProject(trx, project.id))!;
  if (!EDITABLE_STAGES.includes(locked.stage)) throw new IllegalMoveError(locked.stage, 'saveDesign', msg('problem.illegal-move.design-editable', { current: locked.stage }));
  const after = await saveDraft(trx, project.id, { draft: input.proposal, amountAskedFen: input.proposal.amountAskedFen, targetGroups: input.proposal.targetGroups, title: input.title, summary: input.summary, at: now });
  await writeAudit(trx, { actorId: user.id, action: 'save-design', objectType: 'project', objectId: project.id, before: project.draft, after: input.proposal, requestId });
  // The timeline shows every draft save, not only the submitted versions.
  await appendProjectEvent(trx, {
    projectId: project.id, key: `${project.id}:draftSaved:${crypto.randomUUID()}`, kind: 'draftSaved', actorId: user.id, at: now,
    data: { stage: locked.stage, amountAskedFen: input.proposal.amountAskedFen, ...(input.title ? { title: input.title } : {}) },
  });
  return { ...toProjectJson(after), draft: after.draft };
}

/**
 * Submits the draft: the proposal's own checks and the programme's eligibility rules first (422), then the
 * workflow's `submitDesign`, whose validator refuses a wrong stage (409). The stage is not read here: a retry of a
 * submission that applied after a 503 gets the applied update's answer, not a refusal.
 */
export async function submitDesign(deps: AppDeps, user: Principal, projectId: string, updateId?: string): Promise<ProjectViewOut> {
  const { project, rules } = await loadVisibleProjectWithRules(deps.db, user, projectId);
  requireApplicant(user, project);
  const org = await findOrganisation(deps.db, project.organisation_id);
  const proposal = project.draft;
  const errors = [
    ...violationsToErrors('/draft', checkProposal(proposal)),
    ...checkEligibility(
      rules.eligibility,
      { grade: org!.grade, staffCount: org!.staff_count, certifiedSocialWorkerCount: org!.certified_social_worker_count, volunteerCount: org!.volunteer_count },
      { amountAskedFen: proposal.amountAskedFen, targetGroups: proposal.targetGroups, team: proposal.team },
    ),
  ];
  // Refused anyway: a wrong stage is the first reason (409), as the workflow would give it.
  if (errors.length && !EDITABLE_STAGES.includes(project.stage)) throw new IllegalMoveError(project.stage, 'submitDesign');
  if (errors.length) throw new BusinessRuleError(errors, msg('problem.business-rule.proposal', { count: errors.length }));
  return moveProject(deps, user, project, submitDesignUpdate, { actorId: user.id }, updateId);
}

export async function listDesignVersions(db: Knex, user: Principal, projectId: string) {
  const project = await loadVisibleProject(db, user, projectId);
  return { items: (await designVersions(db, project.id)).map(toDesignVersion) };
}
