import { defineOperation } from '../operation';
import { Fen, IdParams, Instant, IsoDate, Name, Nullable, Text, Type, Uuid } from '../schema';
import { Colour, ProjectView, Scores } from '../projects/schemas';
import { assignSupervisor, completeRectification, getMonitoring, recordComplaint, recordQuarterlyReview, recordVisit, submitRectificationPlan, submitReport } from './service';

const IndicatorProgress = Type.Array(
  Type.Object({ name: Name(), achieved: Type.Number({ minimum: 0, maximum: 1_000_000_000 }) }, { additionalProperties: false }),
  { maxItems: 100 },
);

export const operations = [
  defineOperation({
    operationId: 'monitoring.submitReport',
    method: 'post',
    path: '/api/v1/projects/:id/reports',
    summary: 'Submit the monthly report (月报) for a period: summary and indicator progress; one report per period',
    tag: 'monitoring',
    access: ['applicant'],
    status: 201,
    params: IdParams,
    body: Type.Object(
      { period: Type.Integer({ minimum: 1, maximum: 100_000 }), summary: Text(10_000, { minLength: 1 }), indicatorProgress: IndicatorProgress },
      { additionalProperties: false },
    ),
    response: ProjectView,
    problems: [404, 409, 422, 503],
    handler: async ({ params, body, user, deps, idempotencyKey }) => ({ status: 201, body: await submitReport(deps, user, params.id, body, idempotencyKey) }),
  }),

  defineOperation({
    operationId: 'monitoring.get',
    method: 'get',
    path: '/api/v1/projects/:id/monitoring',
    summary: 'Monitoring record: monthly reports, supervision visits, complaints, quarterly reviews, rectifications and every colour change with its reason',
    tag: 'monitoring',
    access: 'authenticated',
    params: IdParams,
    response: Type.Object(
      {
        colour: Colour,
        reports: Type.Array(
          Type.Object(
            { period: Type.Integer({ minimum: 1 }), summary: Type.String(), indicatorProgress: Type.Array(Type.Object({ name: Type.String(), achieved: Type.Number() }, { additionalProperties: false })), late: Type.Boolean(), submittedAt: Instant() },
            { additionalProperties: false },
          ),
        ),
        supervisionVisits: Type.Array(
          Type.Object(
            { id: Uuid(), supervisorId: Nullable(Uuid()), visitedOn: IsoDate(), scores: Type.Record(Type.String(), Type.Number()), supervisionIndex: Type.Number(), notes: Nullable(Type.String()) },
            { additionalProperties: false },
          ),
        ),
        complaints: Type.Array(Type.Object({ id: Uuid(), receivedOn: IsoDate(), description: Type.String() }, { additionalProperties: false })),
        quarterlyReviews: Type.Array(
          Type.Object({ id: Uuid(), quarter: Type.String(), heldOn: IsoDate(), notes: Type.String(), attendees: Type.Array(Type.String()) }, { additionalProperties: false }),
        ),
        rectifications: Type.Array(
          Type.Object(
            {
              id: Uuid(),
              cause: Type.String({ description: 'red_grade or failed_evaluation' }),
              reason: Type.String(),
              plan: Nullable(Type.String()),
              dueAt: Instant(),
              status: Type.String({ description: 'open, planned, completed or ended (the project was terminated)' }),
              completedAt: Nullable(Instant()),
            },
            { additionalProperties: false },
          ),
        ),
        colourChanges: Type.Array(
          Type.Object(
            { from: Colour, to: Colour, reasons: Type.Array(Type.String()), facts: Type.Record(Type.String(), Type.Unknown()), at: Instant() },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    problems: [404],
    handler: async ({ params, user, deps, lang }) => ({ body: await getMonitoring(deps.db, user, params.id, lang) }),
  }),

  defineOperation({
    operationId: 'monitoring.assignSupervisor',
    method: 'post',
    path: '/api/v1/projects/:id/supervisor',
    summary: 'Assign the expert supervisor (督导) who visits the project (never from the applicant organisation or one they declared a conflict with)',
    tag: 'monitoring',
    access: ['officer'],
    transaction: true,
    params: IdParams,
    body: Type.Object({ supervisorId: Uuid() }, { additionalProperties: false }),
    response: Type.Object({ projectId: Uuid(), supervisorId: Uuid() }, { additionalProperties: false }),
    problems: [404, 409, 422],
    handler: async ({ params, body, user, trx, requestId }) => ({ body: await assignSupervisor(trx, user, requestId, params.id, body.supervisorId) }),
  }),

  defineOperation({
    operationId: 'monitoring.recordVisit',
    method: 'post',
    path: '/api/v1/projects/:id/supervision-visits',
    summary: 'The assigned supervisor records a visit: scores per supervision dimension (0-100) give the supervision index (社工督导指数)',
    tag: 'monitoring',
    access: ['supervisor'],
    status: 201,
    params: IdParams,
    body: Type.Object({ visitedOn: IsoDate(), scores: Scores, notes: Type.Optional(Text(5000)) }, { additionalProperties: false }),
    response: ProjectView,
    problems: [404, 409, 422, 503],
    handler: async ({ params, body, user, deps, idempotencyKey }) => ({ status: 201, body: await recordVisit(deps, user, params.id, body, idempotencyKey) }),
  }),

  defineOperation({
    operationId: 'monitoring.recordComplaint',
    method: 'post',
    path: '/api/v1/projects/:id/complaints',
    summary: 'Record a complaint about the project (it counts toward the colour grade)',
    tag: 'monitoring',
    access: ['officer'],
    status: 201,
    params: IdParams,
    body: Type.Object({ receivedOn: IsoDate(), description: Text(5000, { minLength: 1 }) }, { additionalProperties: false }),
    response: ProjectView,
    problems: [404, 409, 422, 503],
    handler: async ({ params, body, user, deps, idempotencyKey }) => ({ status: 201, body: await recordComplaint(deps, user, params.id, body, idempotencyKey) }),
  }),

  defineOperation({
    operationId: 'monitoring.recordQuarterlyReview',
    method: 'post',
    path: '/api/v1/projects/:id/quarterly-reviews',
    summary: 'Record the quarterly review meeting (季例会)',
    tag: 'monitoring',
    access: ['officer'],
    status: 201,
    params: IdParams,
    body: Type.Object(
      {
        quarter: Type.String({ pattern: '^[0-9]{4}-Q[1-4]$', description: 'e.g. 2026-Q4' }),
        heldOn: IsoDate(),
        notes: Text(10_000, { minLength: 1 }),
        attendees: Type.Optional(Type.Array(Name(), { maxItems: 100 })),
      },
      { additionalProperties: false },
    ),
    response: ProjectView,
    problems: [404, 409, 422, 503],
    handler: async ({ params, body, user, deps, idempotencyKey }) => ({ status: 201, body: await recordQuarterlyReview(deps, user, params.id, body, idempotencyKey) }),
  }),

  defineOperation({
    operationId: 'monitoring.submitRectificationPlan',
    method: 'post',
    path: '/api/v1/projects/:id/rectification/plan',
    summary: 'The applicant submits the rectification plan (整改) a red grade or a failing evaluation requires; it may re-plan spending and indicator targets, which count once the rectification is accepted',
    tag: 'monitoring',
    access: ['applicant'],
    params: IdParams,
    body: Type.Object(
      {
        plan: Text(20_000, { minLength: 1 }),
        spendingPlan: Type.Optional(
          Type.Array(Type.Object({ on: IsoDate(), cumulativeFen: Fen() }, { additionalProperties: false }), {
            minItems: 1,
            maxItems: 60,
            description: 'A revised spending plan: by the start of each date, the cumulative spending planned (dates rising, within the agreement)',
          }),
        ),
        indicatorTargets: Type.Optional(
          Type.Array(Type.Object({ name: Name(), target: Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000_000 }) }, { additionalProperties: false }), {
            minItems: 1,
            maxItems: 100,
            description: "Revised targets of the proposal's indicators",
          }),
        ),
      },
      { additionalProperties: false },
    ),
    response: ProjectView,
    problems: [404, 409, 422, 503],
    handler: async ({ params, body, user, deps, idempotencyKey }) => ({ body: await submitRectificationPlan(deps, user, params.id, body, idempotencyKey) }),
  }),

  defineOperation({
    operationId: 'monitoring.completeRectification',
    method: 'post',
    path: '/api/v1/projects/:id/rectification/complete',
    summary: 'The officer accepts the rectification: back to delivery (red grade; the colour is re-graded on the rectified facts, and what it still finds red is answered) or to the final evaluation (failing evaluation)',
    tag: 'monitoring',
    access: ['officer'],
    params: IdParams,
    body: Type.Object({ note: Type.Optional(Text(5000)) }, { additionalProperties: false }),
    response: ProjectView,
    problems: [404, 409, 422, 503],
    handler: async ({ params, body, user, deps, idempotencyKey }) => ({ body: await completeRectification(deps, user, params.id, body.note ?? '', idempotencyKey) }),
  }),
];
