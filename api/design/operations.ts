import { defineOperation } from '../operation';
import { IdParams, Instant, Name, Nullable, Text, Type, Uuid } from '../schema';
import { ProjectView, Proposal, projectFields } from '../projects/schemas';
import { listDesignVersions, saveDesign, submitDesign } from './service';

export const operations = [
  defineOperation({
    operationId: 'design.save',
    method: 'put',
    path: '/api/v1/projects/:id/design',
    summary: 'Save the proposal draft (design or revision stage)',
    tag: 'design',
    access: ['applicant'],
    transaction: true,
    params: IdParams,
    body: Type.Object({ proposal: Proposal, title: Type.Optional(Name()), summary: Type.Optional(Text(5000)) }, { additionalProperties: false }),
    response: Type.Object({ ...projectFields, draft: Proposal }, { additionalProperties: false }),
    problems: [404, 409, 422],
    handler: async ({ params, body, user, trx, deps, requestId }) => ({ body: await saveDesign(trx, user, requestId, deps.clock(), params.id, body) }),
  }),

  defineOperation({
    operationId: 'design.submit',
    method: 'post',
    path: '/api/v1/projects/:id/design/submit',
    summary: "Submit the draft for review: the programme's eligibility rules run first; the draft is frozen as an immutable version",
    tag: 'design',
    access: ['applicant'],
    params: IdParams,
    response: ProjectView,
    problems: [404, 409, 422, 503],
    handler: async ({ params, user, deps, idempotencyKey }) => ({ body: await submitDesign(deps, user, params.id, idempotencyKey) }),
  }),

  defineOperation({
    operationId: 'design.versions',
    method: 'get',
    path: '/api/v1/projects/:id/design/versions',
    summary: 'The submitted, immutable versions of the proposal',
    tag: 'design',
    access: 'authenticated',
    params: IdParams,
    response: Type.Object(
      { items: Type.Array(Type.Object({ version: Type.Integer({ minimum: 1 }), proposal: Proposal, submittedBy: Nullable(Uuid()), submittedAt: Instant() }, { additionalProperties: false })) },
      { additionalProperties: false },
    ),
    problems: [404],
    handler: async ({ params, user, deps }) => ({ body: await listDesignVersions(deps.db, user, params.id) }),
  }),
];
