import { defineOperation } from '../operation';
import { IdParams, Instant, Name, Nullable, Page, PageQuery, Type, Uuid } from '../schema';
import { createVolunteer, getVolunteer, listVolunteers } from './service';

const Slot = Type.Object({
  weekday: Type.Integer({ minimum: 1, maximum: 7, description: '1 = Monday … 7 = Sunday' }),
  from: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'HH:MM, Asia/Shanghai' }),
  to: Type.String({ pattern: '^([01][0-9]|2[0-4]):[0-5][0-9]$' }),
}, { additionalProperties: false });

export const Volunteer = Type.Object({
  id: Uuid(),
  name: Type.String({ description: 'Masked (张*) for those who see the volunteer only as a candidate' }),
  phone: Nullable(Type.String()),
  idNumber: Nullable(Type.String({ description: 'Kept masked only: the first and last four characters' })),
  skills: Type.Array(Type.String()),
  communityIds: Type.Array(Uuid()),
  availability: Type.Array(Slot),
  organisationId: Nullable(Uuid()),
  userId: Nullable(Uuid()),
  masked: Type.Boolean(),
  createdAt: Instant(),
}, { additionalProperties: false });

const Account = Type.Object({ volunteerId: Uuid(), hours: Type.Number(), earnedPoints: Type.Integer(), redeemedPoints: Type.Integer(), balance: Type.Integer() }, { additionalProperties: false });

export const operations = [
  defineOperation({
    operationId: 'volunteers.create',
    method: 'post',
    path: '/api/v1/volunteers',
    summary: "Register a real-name volunteer (姓名, ID number kept masked, skills, communities, weekly availability) for the caller's organisation, or by an officer in their region",
    tag: 'volunteers',
    access: ['applicant', 'officer'],
    status: 201,
    transaction: true,
    body: Type.Object({
      name: Name(),
      phone: Type.Optional(Nullable(Type.String({ pattern: '^[0-9+ -]{5,20}$' }))),
      idNumber: Type.Optional(Nullable(Type.String({ pattern: '^[0-9]{17}[0-9Xx]$', description: 'Resident ID number; only its masked form is stored' }))),
      skills: Type.Optional(Type.Array(Name(), { maxItems: 30 })),
      communityIds: Type.Optional(Type.Array(Uuid(), { maxItems: 50 })),
      availability: Type.Optional(Type.Array(Slot, { maxItems: 50 })),
      organisationId: Type.Optional(Nullable(Uuid())),
      userId: Type.Optional(Nullable(Uuid({ description: "The volunteer's own account, so orders reach their inbox" }))),
      projectIds: Type.Optional(Type.Array(Uuid(), { maxItems: 50 })),
    }, { additionalProperties: false }),
    response: Type.Composite([Volunteer, Type.Object({ projectIds: Type.Array(Uuid()) })], { additionalProperties: false }),
    problems: [422],
    handler: async ({ body, user, deps, trx, requestId }) => ({ status: 201, body: await createVolunteer({ ...deps, db: trx }, user, body, requestId) }),
  }),

  defineOperation({
    operationId: 'volunteers.list',
    method: 'get',
    path: '/api/v1/volunteers',
    summary: "Volunteers in your scope: your organisation's, or your region's (masked for dispatchers)",
    tag: 'volunteers',
    access: 'authenticated',
    query: Type.Object({ ...PageQuery }, { additionalProperties: false }),
    response: Page(Volunteer),
    handler: async ({ query, user, deps }) => ({ body: await listVolunteers(deps, user, query) }),
  }),

  defineOperation({
    operationId: 'volunteers.get',
    method: 'get',
    path: '/api/v1/volunteers/:id',
    summary: 'A volunteer and their time-bank account (时间银行); whole to them, their organisation and the officers over them, masked to dispatchers, missing to others',
    tag: 'volunteers',
    access: 'authenticated',
    params: IdParams,
    response: Type.Composite([Volunteer, Type.Object({ projectIds: Type.Array(Uuid()), timeBank: Nullable(Account) })], { additionalProperties: false }),
    problems: [404],
    handler: async ({ params, user, deps }) => ({ body: await getVolunteer(deps, user, params.id) }),
  }),
];
