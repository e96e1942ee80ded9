// Performance evaluation (绩效评估): the evaluator's seat, their weighted scores, and what the evaluations say.
import type { Knex } from 'knex';
import { evaluationSeat, evaluationsOf, toEvaluation } from '../../db/repositories/evaluation';
import { assignEvaluator as assignEvaluatorUpdate, submitEvaluation as submitEvaluationUpdate, type EvaluationKind } from '../../workflows/messages';
import { serviceFigures } from '../../db/repositories/service-orders';
import { applyDrawnFigures, checkEvaluationScores, type DrawnShares } from '../../workflows/rules/evaluation';
import type { Principal } from '../auth';
import type { AppDeps } from '../deps';
import { BusinessRuleError, ForbiddenError } from '../errors';
import { msg } from '../../i18n';
import { evaluatorIdFor, loadVisibleProject, loadVisibleProjectWithRules, requireOfficer, type ProjectViewOut } from '../projects/access';
import { independenceProblems } from '../projects/independence';
import { moveProject } from '../projects/service';

export async function assignEvaluator(deps: AppDeps, user: Principal, projectId: string, input: { kind: EvaluationKind; evaluatorId: string }, updateId?: string): Promise<ProjectViewOut> {
  const project = await loadVisibleProject(deps.db, user, projectId);
  requireOfficer(user, project);
  const errors = await independenceProblems(deps.db, [input.evaluatorId], project, 'evaluator', '/body/evaluatorId');
  if (errors.length) throw new BusinessRuleError(errors);
  return moveProject(deps, user, project, assignEvaluatorUpdate, { actorId: user.id, ...input }, updateId);
}

export async function submitEvaluation(
  deps: AppDeps,
  user: Principal,
  projectId: string,
  kind: EvaluationKind,
  input: { scores?: Record<string, number>; overrides?: Record<string, string>; comments: string },
  updateId?: string,
): Promise<ProjectViewOut> {
  const { project, rules } = await loadVisibleProjectWithRules(deps.db, user, projectId);
  const seat = await evaluationSeat(deps.db, project.id, kind);
  if (!seat || seat.evaluator_id !== user.id) throw new ForbiddenError(msg('problem.forbidden.evaluator', { kind }));
  const drawn = applyDrawnFigures(rules.evaluation.indicators, await drawnShares(deps.db, project.id), input.scores ?? {}, input.overrides ?? {});
  const errors = [...drawn.violations, ...checkEvaluationScores(rules.evaluation.indicators, drawn.scores)].map((e) => ({ ...e, field: `/body${e.field}` }));
  if (errors.length) throw new BusinessRuleError(errors);
  const figures = Object.keys(drawn.drawn).length ? { drawnFigures: drawn.drawn } : {};
  return moveProject(deps, user, project, submitEvaluationUpdate, { actorId: user.id, kind, scores: drawn.scores, comments: input.comments, ...figures }, updateId);
}

/** The service loop's figures that can score an indicator: satisfaction once an order is rated, coverage once one is done and the proposal names a target. */
async function drawnShares(db: Knex, projectId: string): Promise<DrawnShares> {
  const f = await serviceFigures(db, projectId);
  return {
    ...(f.satisfaction.ratings > 0 && f.satisfaction.share !== null ? { satisfaction: f.satisfaction.share } : {}),
    ...(f.coverage.residents > 0 && f.coverage.share !== null ? { coverage: f.coverage.share } : {}),
  };
}

/** Every round of each evaluation; who evaluated is hidden from readers who may not learn it (the applicant above all). */
export async function listEvaluations(db: Knex, user: Principal, projectId: string) {
  const project = await loadVisibleProject(db, user, projectId);
  return { items: (await evaluationsOf(db, project.id)).map((r) => toEvaluation(r, (id) => evaluatorIdFor(user, project, id))) };
}
