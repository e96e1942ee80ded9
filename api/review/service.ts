// Review (项目论证): the panel, each reviewer's score, the officer's decision, and reviewers' conflicts of interest.
import type { Knex } from 'knex';
import { writeAudit } from '../../db/repositories/audit';
import type { ProjectRow } from '../../db/repositories/projects';
import { conflictsOf, decisionOf, leastLoadedReviewers, organisationExists, panelOf, panelReviewerIds, panelSeat, upsertConflict } from '../../db/repositories/review';
import { assignPanel as assignPanelUpdate, decideReview as decideReviewUpdate, reassignReviewer as reassignReviewerUpdate, submitReviewScore } from '../../workflows/messages';
import { checkScores } from '../../workflows/rules/review';
import type { Principal } from '../auth';
import type { AppDeps } from '../deps';
import { BusinessRuleError, ForbiddenError, IllegalMoveError, type FieldError, says } from '../errors';
import { msg } from '../../i18n';
import { loadVisibleProject, loadVisibleProjectWithRules, requireOfficer, scoreSheetFor, seesReviewers, type ProjectViewOut } from '../projects/access';
import { independenceProblems } from '../projects/independence';
import { moveProject } from '../projects/service';

/**
 * A refusal of the request's own checks. The stage is read only here, on the way out: a move in the wrong stage is
 * refused for its stage (409) before its other faults, as the workflow would. A check that passes never reads the
 * stage, so a retry of a move that applied after a 503 reaches the workflow and gets the applied update's answer.
 */
function refuse(project: ProjectRow, move: string, stages: readonly string[], errors: FieldError[]): never {
  if (!stages.includes(project.stage)) throw new IllegalMoveError(project.stage, move);
  throw new BusinessRuleError(errors);
}

export async function assignPanel(deps: AppDeps, user: Principal, projectId: string, reviewerIds: string[] | undefined, updateId?: string): Promise<ProjectViewOut> {
  const { project, rules } = await loadVisibleProjectWithRules(deps.db, user, projectId);
  requireOfficer(user, project);
  let panel = reviewerIds;
  if (panel) {
    const errors = await independenceProblems(deps.db, panel, project, 'reviewer', '/body/reviewerIds');
    if (errors.length) refuse(project, 'assignPanel', ['review'], errors);
  } else {
    panel = await leastLoadedReviewers(deps.db, project.organisation_id, rules.review.panelSize);
    if (panel.length < rules.review.panelSize) {
      refuse(project, 'assignPanel', ['review'], [
        { field: '/body', rule: 'enough-reviewers', ...says('field.enough-reviewers', { size: rules.review.panelSize, free: panel.length }) },
      ]);
    }
  }
  return moveProject(deps, user, project, assignPanelUpdate, { actorId: user.id, reviewerIds: panel }, updateId);
}

export async function reassignReviewer(deps: AppDeps, user: Principal, projectId: string, input: { fromReviewerId: string; toReviewerId?: string }, updateId?: string): Promise<ProjectViewOut> {
  const project = await loadVisibleProject(deps.db, user, projectId);
  requireOfficer(user, project);
  let to = input.toReviewerId;
  if (to) {
    const errors = await independenceProblems(deps.db, [to], project, 'reviewer', '/body/toReviewerId');
    if (errors.length) throw new BusinessRuleError(errors);
  } else {
    const onPanel = await panelReviewerIds(deps.db, project.id, project.current_version);
    [to] = await leastLoadedReviewers(deps.db, project.organisation_id, 1, onPanel);
    if (!to) throw new BusinessRuleError([{ field: '/body', rule: 'enough-reviewers', ...says('field.no-free-reviewer') }]);
  }
  return moveProject(deps, user, project, reassignReviewerUpdate, { actorId: user.id, fromReviewerId: input.fromReviewerId, toReviewerId: to }, updateId);
}

export async function scoreReview(deps: AppDeps, user: Principal, projectId: string, input: { scores: Record<string, number>; comments: string }): Promise<ProjectViewOut> {
  const { project, rules } = await loadVisibleProjectWithRules(deps.db, user, projectId);
  if (!(await panelSeat(deps.db, project.id, project.current_version, user.id))) throw new ForbiddenError(msg('problem.forbidden.review-panel'));
  const errors = checkScores(rules.review.criteria, input.scores).map((e) => ({ ...e, field: `/body/scores${e.field.replace(/^\/scores/, '')}` }));
  if (errors.length) throw new BusinessRuleError(errors);
  return moveProject(deps, user, project, submitReviewScore, { actorId: user.id, scores: input.scores, comments: input.comments });
}

export async function decideReview(deps: AppDeps, user: Principal, projectId: string, input: { decision: 'approve' | 'revise' | 'reject'; comment: string }, updateId?: string): Promise<ProjectViewOut> {
  const project = await loadVisibleProject(deps.db, user, projectId);
  requireOfficer(user, project);
  return moveProject(deps, user, project, decideReviewUpdate, { actorId: user.id, ...input }, updateId);
}

/**
 * The review of the current version. Officers over the project and admins see every seat; a reviewer sees their own
 * seat in full and of the others only the status (and the totals once decided); no one else learns who reviewed.
 */
export async function getReview(db: Knex, user: Principal, projectId: string) {
  const project = await loadVisibleProject(db, user, projectId);
  const round = project.current_version;
  const seesAll = seesReviewers(user, project);
  const [rows, decision] = await Promise.all([panelOf(db, project.id, round), decisionOf(db, project.id, round)]);
  const panel = rows.map((r) => {
    const full = seesAll || r.reviewer_id === user.id;
    return {
      reviewerId: full ? r.reviewer_id : null,
      reviewerName: full ? r.display_name : null,
      status: r.status,
      dueAt: r.due_at.toISOString(),
      total: full || decision ? (r.total === null ? null : Number(r.total)) : null,
      scores: full ? r.scores : null,
      comments: full ? r.comments : null,
    };
  });
  return {
    round,
    panel,
    decision: decision
      ? {
          decision: decision.decision,
          comment: decision.comment,
          scoreSheet: decision.score_sheet && scoreSheetFor(user, project, decision.score_sheet),
          revisionDueAt: decision.revision_due_at?.toISOString() ?? null,
          decidedAt: decision.decided_at.toISOString(),
        }
      : null,
  };
}


export async function declareConflict(trx: Knex.Transaction, user: Principal, requestId: string, input: { organisationId: string; reason: string }) {
  if (!(await organisationExists(trx, input.organisationId))) {
    throw new BusinessRuleError([{ field: '/body/organisationId', rule: 'exists', ...says('field.no-existing-organisation') }]);
  }
  await upsertConflict(trx, user.id, input.organisationId, input.reason);
  await writeAudit(trx, { actorId: user.id, action: 'declare-conflict', objectType: 'organisation', objectId: input.organisationId, after: input, requestId });
  return { organisationId: input.organisationId, reason: input.reason };
}

export async function listConflicts(db: Knex, user: Principal) {
  return { items: await conflictsOf(db, user.id) };
}
