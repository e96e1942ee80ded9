import { assignEvaluator, closeProject, orderRectification, submitEvaluation, type EvaluationKind } from '../../workflows/messages';
import { checkEvaluationScores, gradeLabels, type EvaluationGrade } from '../../workflows/rules/evaluation';
import type { ProgrammeRules } from '../../workflows/rules/programme-rules';
import { BusinessRuleError, ForbiddenError } from '../errors';
import { loadVisibleProject, requireOfficer } from '../projects/access';
import { executeProjectUpdate } from '../projects/service';
import type { RouteRegistry } from '../registry';
import { independenceProblems } from '../projects/independence';

export function registerEvaluationRoutes(registry: RouteRegistry): void {
  registry.add({
    method: 'post',
    path: '/api/v1/projects/:id/evaluations',
    operationId: 'evaluation.assign',
    summary: 'Assign the (third-party) evaluator of the mid-term or final evaluation; the final one moves the project to evaluation',
    tag: 'evaluation',
    access: ['officer'],
    handler: async ({ params, body, user, deps, idempotencyKey }) => {
      const project = await loadVisibleProject(deps.db, user, params.id);
      requireOfficer(user, project);
      const input = body as { kind: EvaluationKind; evaluatorId: string };
      const errors = await independenceProblems(deps.db, [input.evaluatorId], project, 'evaluator', '/body/evaluatorId');
      if (errors.length) throw new BusinessRuleError(errors);
      return { body: await executeProjectUpdate(deps, project.id, assignEvaluator, { actorId: user.id, ...input }, idempotencyKey) };
    },
  });

  registry.add({
    method: 'put',
    path: '/api/v1/projects/:id/evaluations/:kind',
    operationId: 'evaluation.submit',
    summary: "The assigned evaluator scores the programme's weighted indicators (0-100 each); the score gives the grade (优秀/良好/合格/不合格) and the grade the subsidy",
    tag: 'evaluation',
    access: ['evaluator'],
    handler: async ({ params, body, user, deps, idempotencyKey }) => {
      const project = await loadVisibleProject(deps.db, user, params.id);
      const seat = await deps.db('evaluations').where({ project_id: project.id, kind: params.kind }).first();
      if (!seat || seat.evaluator_id !== user.id) throw new ForbiddenError(`You are not the assigned ${params.kind} evaluator of this project.`);
      const rules = (await deps.db('programmes').where({ id: project.programme_id }).first('rules')).rules as ProgrammeRules;
      const input = body as { scores: Record<string, number>; comments: string };
      const errors = checkEvaluationScores(rules.evaluation.indicators, input.scores).map((e) => ({ ...e, field: `/body/scores${e.field.replace(/^\/scores/, '')}` }));
      if (errors.length) throw new BusinessRuleError(errors);
      return { body: await executeProjectUpdate(deps, project.id, submitEvaluation, { actorId: user.id, kind: params.kind as EvaluationKind, ...input }, idempotencyKey) };
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/projects/:id/evaluations',
    operationId: 'evaluation.list',
    summary: 'The mid-term and final evaluations: scores, grade and the subsidy it decides',
    tag: 'evaluation',
    access: 'authenticated',
    handler: async ({ params, user, deps }) => {
      const project = await loadVisibleProject(deps.db, user, params.id);
      const rows = await deps.db('evaluations').where({ project_id: project.id }).orderBy('kind', 'desc');
      return {
        body: {
          items: rows.map((r) => ({
            kind: r.kind,
            evaluatorId: r.evaluator_id,
            scores: r.scores,
            score: r.score === null ? null : Number(r.score),
            grade: r.grade,
            gradeLabel: r.grade ? gradeLabels[r.grade as EvaluationGrade] : null,
            subsidy: r.subsidy,
            comments: r.comments,
            assignedAt: r.assigned_at.toISOString(),
            submittedAt: r.submitted_at?.toISOString() ?? null,
          })),
        },
      };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/projects/:id/close',
    operationId: 'closure.close',
    summary: 'Close the project (结项) with its final report, after the final evaluation',
    tag: 'evaluation',
    access: ['officer'],
    handler: async ({ params, body, user, deps, idempotencyKey }) => {
      const project = await loadVisibleProject(deps.db, user, params.id);
      requireOfficer(user, project);
      return { body: await executeProjectUpdate(deps, project.id, closeProject, { actorId: user.id, finalReport: (body as { finalReport: string }).finalReport }, idempotencyKey) };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/projects/:id/rectification',
    operationId: 'closure.orderRectification',
    summary: 'Order rectification (整改) after the final evaluation instead of closing; the same evaluator scores again afterwards',
    tag: 'evaluation',
    access: ['officer'],
    handler: async ({ params, body, user, deps, idempotencyKey }) => {
      const project = await loadVisibleProject(deps.db, user, params.id);
      requireOfficer(user, project);
      return { body: await executeProjectUpdate(deps, project.id, orderRectification, { actorId: user.id, reason: (body as { reason: string }).reason }, idempotencyKey) };
    },
  });
}
