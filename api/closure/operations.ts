import { defineOperation } from '../operation';
import { IdParams, Text, Type } from '../schema';
import { ProjectView } from '../projects/schemas';
import { closeProject, orderRectification, terminateProject } from './service';

export const operations = [
  defineOperation({
    operationId: 'closure.close',
    method: 'post',
    path: '/api/v1/projects/:id/close',
    summary: 'Close the project (结项) with its final report, after the final evaluation',
    tag: 'evaluation',
    access: ['officer'],
    params: IdParams,
    body: Type.Object({ finalReport: Text(50000, { minLength: 1 }) }, { additionalProperties: false }),
    response: ProjectView,
    problems: [404, 409, 422, 503],
    handler: async ({ params, body, user, deps, idempotencyKey }) => ({ body: await closeProject(deps, user, params.id, body.finalReport, idempotencyKey) }),
  }),

  defineOperation({
    operationId: 'closure.orderRectification',
    method: 'post',
    path: '/api/v1/projects/:id/rectification',
    summary: 'Order rectification (整改) after the final evaluation instead of closing; the same evaluator scores again afterwards',
    tag: 'evaluation',
    access: ['officer'],
    params: IdParams,
    body: Type.Object({ reason: Text(5000, { minLength: 1 }) }, { additionalProperties: false }),
    response: ProjectView,
    problems: [404, 409, 422, 503],
    handler: async ({ params, body, user, deps, idempotencyKey }) => ({ body: await orderRectification(deps, user, params.id, body.reason, idempotencyKey) }),
  }),

  defineOperation({
    operationId: 'closure.terminate',
    method: 'post',
    path: '/api/v1/projects/:id/termination',
    summary: 'Terminate the project (终止) from any stage that has not ended, with the reason: the workflow ends, open tasks close, unreleased tranches are held; the timeline and the audit log keep why',
    tag: 'evaluation',
    access: ['officer'],
    params: IdParams,
    body: Type.Object({ reason: Text(5000, { minLength: 1 }) }, { additionalProperties: false }),
    response: ProjectView,
    problems: [404, 409, 422, 503],
    handler: async ({ params, body, user, deps, idempotencyKey }) => ({ body: await terminateProject(deps, user, params.id, body.reason, idempotencyKey) }),
  }),
];
