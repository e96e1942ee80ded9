import { defineOperation } from '../operation';
import { Fen, IdParams, Name, Text, Type } from '../schema';
import { ProjectView } from '../projects/schemas';
import { acceptRescoping, declineRescoping } from './service';

// Re-scoping a partial contest award (调整预算): the applicant accepts a budget that adds up to the award, or declines.

export const operations = [
  defineOperation({
    operationId: 'rescoping.accept',
    method: 'post',
    path: '/api/v1/projects/:id/rescoping/accept',
    summary: 'Accept a partial contest award with a budget re-scoped to it (the applicant): the lines must add up exactly to the award; delivery starts with that budget, kept as a new version of the proposal',
    tag: 'contests',
    access: ['applicant'],
    params: IdParams,
    body: Type.Object(
      {
        budgetLines: Type.Array(Type.Object({ item: Name(), amountFen: Fen() }, { additionalProperties: false }), { minItems: 1, maxItems: 100, description: 'Add up exactly to the award (rule rescoped-budget-sum)' }),
        note: Type.Optional(Text(5000, { description: 'What the project will do with less than it asked for' })),
      },
      { additionalProperties: false },
    ),
    response: ProjectView,
    problems: [404, 409, 422, 503],
    handler: async ({ params, body, user, deps, idempotencyKey }) => ({ body: await acceptRescoping(deps, user, params.id, body, idempotencyKey) }),
  }),

  defineOperation({
    operationId: 'rescoping.decline',
    method: 'post',
    path: '/api/v1/projects/:id/rescoping/decline',
    summary: 'Decline a partial contest award (the applicant), with the reason: the project goes back to the library (approved) and the contest reports the amount as returned to the pool',
    tag: 'contests',
    access: ['applicant'],
    params: IdParams,
    body: Type.Object({ reason: Text(5000, { minLength: 1 }) }, { additionalProperties: false }),
    response: ProjectView,
    problems: [404, 409, 503],
    handler: async ({ params, body, user, deps, idempotencyKey }) => ({ body: await declineRescoping(deps, user, params.id, body.reason, idempotencyKey) }),
  }),
];
