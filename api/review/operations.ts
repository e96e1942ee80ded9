import { defineOperation } from '../operation';
import { IdParams, Instant, Nullable, Text, Type, Uuid } from '../schema';
import { OneOf, ProjectView, Scores, ScoreSheet } from '../projects/schemas';
import { assignPanel, declareConflict, decideReview, getReview, listConflicts, reassignReviewer, scoreReview } from './service';

const Decision = OneOf(['approve', 'revise', 'reject'] as const);

export const operations = [
  defineOperation({
    operationId: 'review.assignPanel',
    method: 'post',
    path: '/api/v1/projects/:id/review/panel',
    summary: 'Assign the review panel: named reviewers, or automatically the least-loaded independent ones (never from the applicant organisation or one they declared a conflict with)',
    tag: 'review',
    access: ['officer'],
    params: IdParams,
    body: Type.Object({ reviewerIds: Type.Optional(Type.Array(Uuid(), { minItems: 1, maxItems: 25, uniqueItems: true })) }, { additionalProperties: false }),
    response: ProjectView,
    problems: [404, 409, 422, 503],
    handler: async ({ params, body, user, deps, idempotencyKey }) => ({ body: await assignPanel(deps, user, params.id, body.reviewerIds, idempotencyKey) }),
  }),

  defineOperation({
    operationId: 'review.reassign',
    method: 'post',
    path: '/api/v1/projects/:id/review/reassign',
    summary: 'Replace a reviewer who has not scored (e.g. after a missed deadline) with a named or automatically chosen independent reviewer',
    tag: 'review',
    access: ['officer'],
    params: IdParams,
    body: Type.Object({ fromReviewerId: Uuid(), toReviewerId: Type.Optional(Uuid()) }, { additionalProperties: false }),
    response: ProjectView,
    problems: [404, 409, 422, 503],
    handler: async ({ params, body, user, deps, idempotencyKey }) => ({ body: await reassignReviewer(deps, user, params.id, body, idempotencyKey) }),
  }),

  defineOperation({
    operationId: 'review.score',
    method: 'put',
    path: '/api/v1/projects/:id/review/score',
    summary: "A panel reviewer scores the programme's weighted rubric with comments (can be revised until the decision)",
    tag: 'review',
    access: ['reviewer'],
    params: IdParams,
    body: Type.Object({ scores: Scores, comments: Text(5000) }, { additionalProperties: false }),
    response: ProjectView,
    problems: [404, 409, 422, 503],
    handler: async ({ params, body, user, deps }) => ({ body: await scoreReview(deps, user, params.id, body) }),
  }),

  defineOperation({
    operationId: 'review.get',
    method: 'get',
    path: '/api/v1/projects/:id/review',
    summary: 'The review of the current version: panel, scores (a reviewer sees only their own), and the decision; who reviewed only for officers, admins and each reviewer',
    tag: 'review',
    access: ['officer', 'reviewer', 'applicant', 'admin'],
    params: IdParams,
    response: Type.Object(
      {
        round: Type.Integer({ minimum: 0 }),
        panel: Type.Array(
          Type.Object(
            {
              reviewerId: Nullable(Uuid()),
              reviewerName: Nullable(Type.String()),
              status: OneOf(['assigned', 'scored', 'replaced'] as const),
              dueAt: Instant(),
              total: Nullable(Type.Number()),
              scores: Nullable(Type.Record(Type.String(), Type.Number())),
              comments: Nullable(Type.String()),
            },
            { additionalProperties: false },
          ),
        ),
        decision: Nullable(
          Type.Object(
            { decision: Decision, comment: Nullable(Type.String()), scoreSheet: Nullable(ScoreSheet), revisionDueAt: Nullable(Instant()), decidedAt: Instant() },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    problems: [404],
    handler: async ({ params, user, deps }) => ({ body: await getReview(deps.db, user, params.id) }),
  }),

  defineOperation({
    operationId: 'review.decide',
    method: 'post',
    path: '/api/v1/projects/:id/review/decision',
    summary: "The officer approves, sends back for revision (with the programme's deadline) or rejects, once every score is in",
    tag: 'review',
    access: ['officer'],
    params: IdParams,
    body: Type.Object({ decision: Decision, comment: Text(5000) }, { additionalProperties: false }),
    response: ProjectView,
    problems: [404, 409, 422, 503],
    handler: async ({ params, body, user, deps, idempotencyKey }) => ({ body: await decideReview(deps, user, params.id, body, idempotencyKey) }),
  }),

  defineOperation({
    operationId: 'conflicts.declare',
    method: 'post',
    path: '/api/v1/me/conflicts',
    summary: 'Declare a conflict of interest with an organisation: you will never be assigned its projects',
    tag: 'review',
    access: ['reviewer', 'supervisor', 'evaluator', 'organiser'],
    status: 201,
    transaction: true,
    body: Type.Object({ organisationId: Uuid(), reason: Text(2000, { minLength: 1 }) }, { additionalProperties: false }),
    response: Type.Object({ organisationId: Uuid(), reason: Type.String() }, { additionalProperties: false }),
    problems: [422],
    handler: async ({ body, user, trx, requestId }) => ({ status: 201, body: await declareConflict(trx, user, requestId, body) }),
  }),

  defineOperation({
    operationId: 'conflicts.list',
    method: 'get',
    path: '/api/v1/me/conflicts',
    summary: 'Your declared conflicts of interest',
    tag: 'review',
    access: 'authenticated',
    response: Type.Object({ items: Type.Array(Type.Object({ organisationId: Uuid(), reason: Type.String(), declaredAt: Instant() }, { additionalProperties: false })) }, { additionalProperties: false }),
    handler: async ({ user, deps }) => ({ body: await listConflicts(deps.db, user) }),
  }),
];
