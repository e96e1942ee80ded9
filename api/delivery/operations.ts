import { defineOperation } from '../operation';
import { Fen, IdParams, Instant, IsoDate, Name, Nullable, Text, Type, Uuid } from '../schema';
import { OneOf, ProjectView, Recorded } from '../projects/schemas';
import { completeMilestone, fundDirectly, getDelivery, recordService, recordSpending } from './service';

const Tranche = Type.Object({ name: Name(), amountFen: Fen(), releaseOn: IsoDate() }, { additionalProperties: false });
const FundingSource = Type.Object(
  { funderOrganisationId: Nullable(Uuid()), name: Name(), kind: OneOf(['government', 'cash', 'goods', 'services'] as const), valueFen: Fen() },
  { additionalProperties: false },
);

/** The agreement (协议) a project is funded by: amount, term, tranches and where the money comes from. */
export const AgreementTerms = Type.Object(
  {
    amountFen: Fen({ minimum: 1 }),
    startDate: IsoDate(),
    endDate: IsoDate(),
    tranches: Type.Array(Tranche, { minItems: 1, maxItems: 24 }),
    fundingSources: Type.Optional(Type.Array(FundingSource, { minItems: 1, maxItems: 100, description: 'Defaults to one government purchase of services for the whole amount' })),
  },
  { additionalProperties: false },
);

const MilestoneParams = Type.Object({ id: Uuid(), seq: Type.Integer({ minimum: 1, maximum: 1000 }) }, { additionalProperties: false });

export const operations = [
  defineOperation({
    operationId: 'delivery.fund',
    method: 'post',
    path: '/api/v1/projects/:id/agreement',
    summary: 'Fund an approved project directly (government purchase of services): sign the agreement (amount, tranches, start and end) and start delivery',
    tag: 'delivery',
    access: ['officer'],
    params: IdParams,
    body: AgreementTerms,
    response: ProjectView,
    problems: [404, 409, 422, 503],
    handler: async ({ params, body, user, deps, idempotencyKey }) => ({ body: await fundDirectly(deps, user, params.id, body, idempotencyKey) }),
  }),

  defineOperation({
    operationId: 'delivery.get',
    method: 'get',
    path: '/api/v1/projects/:id/delivery',
    summary: 'Delivery at a glance: agreement, milestones, totals of service records, volunteer hours and spending per budget line',
    tag: 'delivery',
    access: 'authenticated',
    params: IdParams,
    response: Type.Object(
      {
        agreement: Nullable(
          Type.Object(
            { amountFen: Fen(), startDate: IsoDate(), endDate: IsoDate(), tranches: Type.Array(Tranche), fundingSources: Type.Array(FundingSource), signedAt: Instant() },
            { additionalProperties: false },
          ),
        ),
        milestones: Type.Array(
          Type.Object({ seq: Type.Integer({ minimum: 1 }), name: Type.String(), due: IsoDate(), doneAt: Nullable(Instant()), note: Nullable(Type.String()) }, { additionalProperties: false }),
        ),
        serviceRecords: Type.Integer({ minimum: 0 }),
        peopleServed: Type.Integer({ minimum: 0 }),
        volunteerHours: Type.Number({ minimum: 0 }),
        spendingByBudgetItem: Type.Array(Type.Object({ budgetItem: Type.String(), amountFen: Type.Integer() }, { additionalProperties: false })),
      },
      { additionalProperties: false },
    ),
    problems: [404],
    handler: async ({ params, user, deps }) => ({ body: await getDelivery(deps.db, user, params.id) }),
  }),

  defineOperation({
    operationId: 'delivery.completeMilestone',
    method: 'post',
    path: '/api/v1/projects/:id/milestones/:seq/complete',
    summary: 'Mark a milestone of the activity plan done',
    tag: 'delivery',
    access: ['applicant'],
    params: MilestoneParams,
    body: Type.Object({ note: Type.Optional(Text(2000)) }, { additionalProperties: false }),
    response: ProjectView,
    problems: [404, 409, 422, 503],
    handler: async ({ params, body, user, deps, idempotencyKey }) => ({ body: await completeMilestone(deps, user, params.id, params.seq, body.note ?? '', idempotencyKey) }),
  }),

  defineOperation({
    operationId: 'delivery.recordService',
    method: 'post',
    path: '/api/v1/projects/:id/service-records',
    summary: "Record a service activity (date, start time, place, people served, volunteers and their hours); one record a shift, no volunteer in two shifts at once; each volunteer's hours credit their time bank exactly once",
    tag: 'delivery',
    access: ['applicant'],
    status: 201,
    params: IdParams,
    body: Type.Object(
      {
        activity: Name(),
        heldOn: IsoDate(),
        startTime: Type.Optional(
          Type.String({
            pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
            description: "HH:MM, when the shift began (the programme's local time): with the project, volunteer and date, the record's natural key; without it the day is the key",
          }),
        ),
        place: Name(),
        peopleServed: Type.Integer({ minimum: 0, maximum: 100_000 }),
        volunteers: Type.Array(
          Type.Object({ volunteerId: Uuid(), hours: Type.Number({ exclusiveMinimum: 0, maximum: 24 }) }, { additionalProperties: false }),
          { maxItems: 500 },
        ),
      },
      { additionalProperties: false },
    ),
    response: Recorded,
    problems: [404, 409, 422, 503],
    handler: async ({ params, body, user, deps, idempotencyKey }) => ({ status: 201, body: await recordService(deps, user, params.id, body, idempotencyKey) }),
  }),

  defineOperation({
    operationId: 'delivery.recordSpending',
    method: 'post',
    path: '/api/v1/projects/:id/spending',
    summary: 'Record spending against a budget line of the approved proposal',
    tag: 'delivery',
    access: ['applicant'],
    status: 201,
    params: IdParams,
    body: Type.Object(
      { budgetItem: Name(), amountFen: Fen({ minimum: 1 }), spentOn: IsoDate(), note: Type.Optional(Text(2000)) },
      { additionalProperties: false },
    ),
    response: Recorded,
    problems: [404, 409, 422, 503],
    handler: async ({ params, body, user, deps, idempotencyKey }) => ({ status: 201, body: await recordSpending(deps, user, params.id, body, idempotencyKey) }),
  }),
];
