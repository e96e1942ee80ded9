import { defineOperation } from '../operation';
import { IdParams, Instant, Name, Nullable, Page, PageQuery, Type, Uuid } from '../schema';
import { changeRegion, createRegion, getRegion, listRegions } from './service';

export const RegionLevel = Type.Union([Type.Literal('city'), Type.Literal('district'), Type.Literal('street'), Type.Literal('community')], {
  description: 'city 市, district 区市, street 镇街 (town or street), community 村居 (village or community)',
});
const RegionCode = Type.String({ minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9_-]+$' });

export const Region = Type.Object(
  {
    id: Uuid(),
    parentId: Nullable(Uuid()),
    level: RegionLevel,
    name: Type.String(),
    code: Nullable(Type.String()),
    path: Type.String({ description: 'The ids from the city down to this region, as /id/id/…/' }),
    createdAt: Instant(),
  },
  { additionalProperties: false },
);

export const operations = [
  defineOperation({
    operationId: 'regions.list',
    method: 'get',
    path: '/api/v1/regions',
    summary: 'List regions of the four-level tree (city, district, town/street, community/village)',
    tag: 'regions',
    access: 'authenticated',
    query: Type.Object(
      { ...PageQuery, parentId: Type.Optional(Uuid()), level: Type.Optional(RegionLevel), within: Type.Optional(Uuid({ description: 'Only this region and those below it' })), q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) },
      { additionalProperties: false },
    ),
    response: Page(Region),
    problems: [404],
    handler: async ({ query, deps }) => {
      const { limit, cursor, ...filter } = query;
      return { body: await listRegions(deps.db, filter, { limit, cursor }) };
    },
  }),

  defineOperation({
    operationId: 'regions.create',
    method: 'post',
    path: '/api/v1/regions',
    summary: 'Add a region under its parent (a city has no parent; each child is one level below its parent)',
    tag: 'regions',
    access: ['admin'],
    status: 201,
    transaction: true,
    body: Type.Object(
      { name: Name(), level: RegionLevel, parentId: Type.Optional(Nullable(Uuid())), code: Type.Optional(Nullable(RegionCode)) },
      { additionalProperties: false },
    ),
    response: Region,
    problems: [409, 422],
    handler: async ({ body, user, trx, requestId }) => ({ status: 201, body: await createRegion(trx, user, requestId, body) }),
  }),

  defineOperation({
    operationId: 'regions.get',
    method: 'get',
    path: '/api/v1/regions/:id',
    summary: 'One region',
    tag: 'regions',
    access: 'authenticated',
    params: IdParams,
    response: Region,
    problems: [404],
    handler: async ({ params, deps }) => ({ body: await getRegion(deps.db, params.id) }),
  }),

  defineOperation({
    operationId: 'regions.update',
    method: 'patch',
    path: '/api/v1/regions/:id',
    summary: 'Rename a region or change its code',
    tag: 'regions',
    access: ['admin'],
    transaction: true,
    params: IdParams,
    body: Type.Object({ name: Type.Optional(Name()), code: Type.Optional(Nullable(RegionCode)) }, { additionalProperties: false, minProperties: 1 }),
    response: Region,
    problems: [404, 409],
    handler: async ({ params, body, user, trx, requestId }) => ({ body: await changeRegion(trx, user, requestId, params.id, body) }),
  }),
];
