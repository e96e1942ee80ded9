// Monitoring (项目监测): monthly reports, the supervisor and their visits, complaints, quarterly reviews, and the
// rectification (整改) a red grade or a failing evaluation opens.
//
// The request's own checks read no stage unless they fail: a move retried with its Idempotency-Key after it applied
// (the first answer was a 503) reaches the workflow, which answers the applied update's result.
import type { Knex } from 'knex';
import { render, type Language, type Message } from '../../i18n';
import { writeAudit } from '../../db/repositories/audit';
import { agreementOf, toAgreement } from '../../db/repositories/delivery';
import { assignSupervisor as assignSupervisorRows, monitoringRecord, proposalIndicatorNames, quarterlyReviewOf } from '../../db/repositories/monitoring';
import { lockProject } from '../../db/repositories/projects';
import {
  completeRectification as completeRectificationUpdate, recordComplaint as recordComplaintUpdate, recordQuarterlyReview as recordQuarterlyReviewUpdate,
  recordSupervisionVisit, submitMonthlyReport, submitRectificationPlan as submitRectificationPlanUpdate, type RevisedPlan,
} from '../../workflows/messages';
import { checkRevisedPlan } from '../../workflows/rules/rectification';
import { checkSupervisionScores } from '../../workflows/rules/supervision';
import { isTerminal, moveAllowed } from '../../workflows/stages';
import type { Principal } from '../auth';
import type { AppDeps } from '../deps';
import { BusinessRuleError, ForbiddenError, IllegalMoveError, says } from '../errors';
import { msg } from '../../i18n';
import { loadVisibleProject, loadVisibleProjectWithRules, requireApplicant, requireOfficer, type ProjectViewOut } from '../projects/access';
import { documentIdFrom } from '../projects/ids';
import { independenceProblems } from '../projects/independence';
import { moveProject } from '../projects/service';

export async function submitReport(
  deps: AppDeps,
  user: Principal,
  projectId: string,
  input: { period: number; summary: string; indicatorProgress: { name: string; achieved: number }[] },
  updateId?: string,
): Promise<ProjectViewOut> {
  const project = await loadVisibleProject(deps.db, user, projectId);
  requireApplicant(user, project);
  return moveProject(deps, user, project, submitMonthlyReport, { actorId: user.id, ...input }, updateId);
}

export async function getMonitoring(db: Knex, user: Principal, projectId: string, lang: Language) {
  const project = await loadVisibleProject(db, user, projectId);
  const record = await monitoringRecord(db, project.id);
  const text = (r: Message | string) => (typeof r === 'string' ? r : render(lang, r));
  return { colour: project.colour, ...record, colourChanges: record.colourChanges.map((c) => ({ ...c, reasons: c.reasons.map(text) })) };
}

/** A direct write (no workflow move): the project row is locked so its stage cannot end under it. */
export async function assignSupervisor(trx: Knex.Transaction, user: Principal, requestId: string, projectId: string, supervisorId: string) {
  const project = await loadVisibleProject(trx, user, projectId);
  requireOfficer(user, project);
  const locked = (await lockProject(trx, project.id))!;
  // A closed, rejected, withdrawn or terminated project has nothing left to supervise: its task could never be done.
  if (isTerminal(locked.stage)) throw new IllegalMoveError(locked.stage, 'assignSupervisor');
  const errors = await independenceProblems(trx, [supervisorId], project, 'supervisor', '/body/supervisorId');
  if (errors.length) throw new BusinessRuleError(errors);
  await assignSupervisorRows(trx, project.id, supervisorId);
  await writeAudit(trx, { actorId: user.id, action: 'assign-supervisor', objectType: 'project', objectId: project.id, before: { supervisorId: project.supervisor_id }, after: { supervisorId }, requestId });
  return { projectId: project.id, supervisorId };
}

export async function recordVisit(deps: AppDeps, user: Principal, projectId: string, input: { visitedOn: string; scores: Record<string, number>; notes?: string }, updateId?: string): Promise<ProjectViewOut> {
  const { project, rules } = await loadVisibleProjectWithRules(deps.db, user, projectId);
  if (project.supervisor_id !== user.id) throw new ForbiddenError(msg('problem.forbidden.supervisor'));
  const errors = checkSupervisionScores(rules.monitoring.supervisionDimensions, input.scores).map((e) => ({ ...e, field: `/body/scores${e.field.replace(/^\/scores/, '')}` }));
  if (errors.length) throw new BusinessRuleError(errors);
  const visit = { id: documentIdFrom(updateId), visitedOn: input.visitedOn, scores: input.scores, notes: input.notes ?? '' };
  return moveProject(deps, user, project, recordSupervisionVisit, { actorId: user.id, visit }, updateId);
}

export async function recordComplaint(deps: AppDeps, user: Principal, projectId: string, input: { receivedOn: string; description: string }, updateId?: string): Promise<ProjectViewOut> {
  const project = await loadVisibleProject(deps.db, user, projectId);
  requireOfficer(user, project);
  return moveProject(deps, user, project, recordComplaintUpdate, { actorId: user.id, complaint: { id: documentIdFrom(updateId), ...input } }, updateId);
}

export async function recordQuarterlyReview(
  deps: AppDeps,
  user: Principal,
  projectId: string,
  input: { quarter: string; heldOn: string; notes: string; attendees?: string[] },
  updateId?: string,
): Promise<ProjectViewOut> {
  const project = await loadVisibleProject(deps.db, user, projectId);
  requireOfficer(user, project);
  const review = { id: documentIdFrom(updateId), quarter: input.quarter, heldOn: input.heldOn, notes: input.notes, attendees: input.attendees ?? [] };
  // One review a quarter; the review this very request wrote (a retry after a 503) is no reason to refuse it.
  const exists = await quarterlyReviewOf(deps.db, project.id, input.quarter);
  if (exists && exists.id !== review.id) {
    if (!moveAllowed(project.stage, 'recordQuarterlyReview')) throw new IllegalMoveError(project.stage, 'recordQuarterlyReview');
    throw new BusinessRuleError([{ field: '/body/quarter', rule: 'one-per-quarter', ...says('field.one-per-quarter', { quarter: input.quarter }) }]);
  }
  return moveProject(deps, user, project, recordQuarterlyReviewUpdate, { actorId: user.id, review }, updateId);
}

/**
 * The applicant's plan; it may re-plan what made the project red (cumulative spending by date, indicator targets),
 * which counts once the officer accepts the rectification.
 */
export async function submitRectificationPlan(deps: AppDeps, user: Principal, projectId: string, input: { plan: string } & RevisedPlan, updateId?: string): Promise<ProjectViewOut> {
  const project = await loadVisibleProject(deps.db, user, projectId);
  requireApplicant(user, project);
  if (input.spendingPlan || input.indicatorTargets) {
    const [agreement, indicators] = await Promise.all([agreementOf(deps.db, project.id), proposalIndicatorNames(deps.db, project.id)]);
    const errors = checkRevisedPlan(input, agreement ? { startDate: toAgreement(agreement).startDate, endDate: toAgreement(agreement).endDate, amountFen: Number(agreement.amount_fen) } : null, indicators);
    if (errors.length) {
      if (!moveAllowed(project.stage, 'submitRectificationPlan')) throw new IllegalMoveError(project.stage, 'submitRectificationPlan');
      throw new BusinessRuleError(errors);
    }
  }
  return moveProject(deps, user, project, submitRectificationPlanUpdate, { actorId: user.id, ...input }, updateId);
}

export async function completeRectification(deps: AppDeps, user: Principal, projectId: string, note: string, updateId?: string): Promise<ProjectViewOut> {
  const project = await loadVisibleProject(deps.db, user, projectId);
  requireOfficer(user, project);
  return moveProject(deps, user, project, completeRectificationUpdate, { actorId: user.id, note }, updateId);
}
