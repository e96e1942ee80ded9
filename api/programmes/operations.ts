import { defineOperation } from '../operation';
import { IdParams, Name, Nullable, Page, PageQuery, Text, Type, Uuid } from '../schema';
import { defaultProgrammeRules } from '../../workflows/rules/programme-rules';
import { Programme, ProgrammeRules, ProgrammeStatus } from './schemas';
import { changeProgramme, createProgramme, getProgramme, listProgrammes } from './service';

const Description = Nullable(Text(5000));

export const operations = [
  defineOperation({
    operationId: 'programmes.defaultRules',
    method: 'get',
    path: '/api/v1/programme-rules/defaults',
    summary: 'Default programme rules (Haining 3A and "6430" eligibility, weighted rubric, monthly reports, service-order terms), a starting point for a new programme',
    tag: 'programmes',
    access: 'authenticated',
    response: ProgrammeRules,
    handler: async () => ({ body: defaultProgrammeRules() }),
  }),

  defineOperation({
    operationId: 'programmes.list',
    method: 'get',
    path: '/api/v1/programmes',
    summary: 'List programmes (calls for proposals), optionally those at a region or below it, or with a status',
    tag: 'programmes',
    access: 'authenticated',
    query: Type.Object(
      { ...PageQuery, regionId: Type.Optional(Uuid({ description: 'Programmes at this region or below it' })), status: Type.Optional(ProgrammeStatus) },
      { additionalProperties: false },
    ),
    response: Page(Programme),
    problems: [404],
    handler: async ({ query, deps }) => {
      const { limit, cursor, ...filter } = query;
      return { body: await listProgrammes(deps.db, filter, { limit, cursor }) };
    },
  }),

  defineOperation({
    operationId: 'programmes.create',
    method: 'post',
    path: '/api/v1/programmes',
    summary: 'Open a programme (call for proposals) at a region in your scope, with its eligibility, review, monitoring, evaluation and service-order rules',
    tag: 'programmes',
    access: ['officer'],
    status: 201,
    transaction: true,
    body: Type.Object({ name: Name(), regionId: Uuid(), description: Type.Optional(Description), rules: ProgrammeRules }, { additionalProperties: false }),
    response: Programme,
    problems: [404, 422],
    handler: async ({ body, user, trx, requestId }) => ({ status: 201, body: await createProgramme(trx, user, requestId, body) }),
  }),

  defineOperation({
    operationId: 'programmes.get',
    method: 'get',
    path: '/api/v1/programmes/:id',
    summary: 'One programme with its rules',
    tag: 'programmes',
    access: 'authenticated',
    params: IdParams,
    response: Programme,
    problems: [404],
    handler: async ({ params, deps }) => ({ body: await getProgramme(deps.db, params.id) }),
  }),

  defineOperation({
    operationId: 'programmes.update',
    method: 'patch',
    path: '/api/v1/programmes/:id',
    summary: 'Rename, describe, open or close a programme; its rules change only while it has no project',
    tag: 'programmes',
    access: ['officer'],
    transaction: true,
    params: IdParams,
    body: Type.Object(
      { name: Type.Optional(Name()), description: Type.Optional(Description), status: Type.Optional(ProgrammeStatus), rules: Type.Optional(ProgrammeRules) },
      { additionalProperties: false, minProperties: 1 },
    ),
    response: Programme,
    problems: [404, 409, 422],
    handler: async ({ params, body, user, deps, trx, requestId }) => ({ body: await changeProgramme(trx, user, requestId, params.id, body, deps.clock()) }),
  }),
];
