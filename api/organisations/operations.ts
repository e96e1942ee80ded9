import { defineOperation } from '../operation';
import { IdParams, Name, Nullable, Page, PageQuery, Text, Type, Uuid } from '../schema';
import { changeOrganisation, createOrganisation, getOrganisation, listOrganisations } from './service';
import { Grade, Organisation, OrganisationKind } from './schemas';

const CreditCode = Type.String({ pattern: '^[0-9A-HJ-NPQRTUWXY]{18}$', description: 'Unified social credit code (18 characters, checked)' });
const Headcount = () => Type.Integer({ minimum: 0, maximum: 10_000_000 });
const fields = {
  grade: Type.Optional(Nullable(Grade)),
  staffCount: Type.Optional(Headcount()),
  certifiedSocialWorkerCount: Type.Optional(Headcount()),
  volunteerCount: Type.Optional(Headcount()),
  regionId: Type.Optional(Nullable(Uuid())),
  contact: Type.Optional(Nullable(Text(500))),
};

export const operations = [
  defineOperation({
    operationId: 'organisations.list',
    method: 'get',
    path: '/api/v1/organisations',
    summary: 'List organisations (social-work organisations, communities, companies, foundations, government units)',
    tag: 'organisations',
    access: 'authenticated',
    query: Type.Object(
      { ...PageQuery, kind: Type.Optional(OrganisationKind), grade: Type.Optional(Grade), regionId: Type.Optional(Uuid()), q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) },
      { additionalProperties: false },
    ),
    response: Page(Organisation),
    handler: async ({ query, deps }) => {
      const { limit, cursor, ...filter } = query;
      return { body: await listOrganisations(deps.db, filter, { limit, cursor }) };
    },
  }),

  defineOperation({
    operationId: 'organisations.create',
    method: 'post',
    path: '/api/v1/organisations',
    summary: 'Register an organisation with its grade, staffing and unified social credit code',
    tag: 'organisations',
    access: ['admin'],
    status: 201,
    transaction: true,
    body: Type.Object({ name: Name(), kind: OrganisationKind, creditCode: CreditCode, ...fields }, { additionalProperties: false }),
    response: Organisation,
    problems: [409, 422],
    handler: async ({ body, user, trx, requestId }) => ({ status: 201, body: await createOrganisation(trx, user, requestId, body) }),
  }),

  defineOperation({
    operationId: 'organisations.get',
    method: 'get',
    path: '/api/v1/organisations/:id',
    summary: 'One organisation',
    tag: 'organisations',
    access: 'authenticated',
    params: IdParams,
    response: Organisation,
    problems: [404],
    handler: async ({ params, deps }) => ({ body: await getOrganisation(deps.db, params.id) }),
  }),

  defineOperation({
    operationId: 'organisations.update',
    method: 'patch',
    path: '/api/v1/organisations/:id',
    summary: 'Change an organisation (grade, staffing, contact...)',
    tag: 'organisations',
    access: ['admin'],
    transaction: true,
    params: IdParams,
    body: Type.Object(
      { name: Type.Optional(Name()), kind: Type.Optional(OrganisationKind), creditCode: Type.Optional(CreditCode), ...fields },
      { additionalProperties: false, minProperties: 1 },
    ),
    response: Organisation,
    problems: [404, 409, 422],
    handler: async ({ params, body, user, deps, trx, requestId }) => ({ body: await changeOrganisation(trx, user, requestId, params.id, body, deps.clock()) }),
  }),
];
