import { defineOperation } from '../operation';
import { IdParams, Instant, Nullable, Text, Type, Uuid } from '../schema';
import { EvaluationGrade, OneOf, ProjectView, Scores, Subsidy } from '../projects/schemas';
import { assignEvaluator, listEvaluations, submitEvaluation } from './service';

const EvaluationKind = OneOf(['mid_term', 'final'] as const);

export const operations = [
  defineOperation({
    operationId: 'evaluation.assign',
    method: 'post',
    path: '/api/v1/projects/:id/evaluations',
    summary: 'Assign the (third-party) evaluator of the mid-term or final evaluation; the final one moves the project to evaluation',
    tag: 'evaluation',
    access: ['officer'],
    params: IdParams,
    body: Type.Object({ kind: EvaluationKind, evaluatorId: Uuid() }, { additionalProperties: false }),
    response: ProjectView,
    problems: [404, 409, 422, 503],
    handler: async ({ params, body, user, deps, idempotencyKey }) => ({ body: await assignEvaluator(deps, user, params.id, body, idempotencyKey) }),
  }),

  defineOperation({
    operationId: 'evaluation.submit',
    method: 'put',
    path: '/api/v1/projects/:id/evaluations/:kind',
    summary: "The assigned evaluator scores the programme's weighted indicators (0-100 each); the score gives the grade (优秀/良好/合格/不合格) and the grade the subsidy",
    tag: 'evaluation',
    access: ['evaluator'],
    params: Type.Object({ id: Uuid(), kind: EvaluationKind }, { additionalProperties: false }),
    body: Type.Object(
      {
        scores: Type.Optional(Scores),
        overrides: Type.Optional(
          Type.Record(Type.String({ pattern: '^[A-Za-z0-9_-]{1,40}$' }), Text(2000, { minLength: 1 }), {
            maxProperties: 50,
            description: "Why an indicator drawn from the service loop (satisfaction, coverage) is scored other than its drawn figure; kept on the timeline",
          }),
        ),
        comments: Text(10000),
      },
      { additionalProperties: false },
    ),
    response: ProjectView,
    problems: [404, 409, 422, 503],
    handler: async ({ params, body, user, deps, idempotencyKey }) => ({ body: await submitEvaluation(deps, user, params.id, params.kind, body, idempotencyKey) }),
  }),

  defineOperation({
    operationId: 'evaluation.list',
    method: 'get',
    path: '/api/v1/projects/:id/evaluations',
    summary: 'The mid-term and final evaluations, round by round: scores, grade and the subsidy it decides',
    tag: 'evaluation',
    access: 'authenticated',
    params: IdParams,
    response: Type.Object(
      {
        items: Type.Array(
          Type.Object(
            {
              kind: EvaluationKind,
              round: Type.Integer({ minimum: 1, description: 'Each round is its own record: a failed final evaluation keeps its scores after the one that follows a rectification' }),
              evaluatorId: Nullable(Uuid({ description: 'Hidden (null) from readers who may not learn who evaluated' })),
              scores: Nullable(Type.Record(Type.String(), Type.Number())),
              score: Nullable(Type.Number()),
              grade: Nullable(EvaluationGrade),
              gradeLabel: Nullable(Type.String()),
              subsidy: Nullable(Subsidy),
              comments: Nullable(Type.String()),
              assignedAt: Instant(),
              submittedAt: Nullable(Instant()),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    problems: [404],
    handler: async ({ params, user, deps }) => ({ body: await listEvaluations(deps.db, user, params.id) }),
  }),
];
