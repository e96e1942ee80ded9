import { defineOperation } from '../operation';
import { IdParams, IsoDate, Name, Page, PageQuery, Type, Uuid } from '../schema';
import { TargetGroup } from '../programmes/schemas';
import { Need, NeedInput, NeedSource, Resource, ResourceInput, ResourceKind, Survey, UnansweredNeed, Urgency } from './schemas';
import { addNeed, addResource, demandList, fileSurvey, getSurvey, resourceList, unansweredNeeds } from './service';

const NeedQuery = Type.Object(
  { ...PageQuery, targetGroup: Type.Optional(TargetGroup), urgency: Type.Optional(Urgency), source: Type.Optional(NeedSource) },
  { additionalProperties: false },
);

export const operations = [
  defineOperation({
    operationId: 'surveys.create',
    method: 'post',
    path: '/api/v1/surveys',
    summary: "File a community's demand-research survey (需求调研), with the needs and resources it found, in one go",
    tag: 'demand',
    access: ['officer'],
    status: 201,
    transaction: true,
    body: Type.Object(
      {
        regionId: Uuid({ description: 'A community (村居)' }),
        title: Name(),
        conductedOn: IsoDate(),
        needs: Type.Optional(Type.Array(NeedInput, { maxItems: 200 })),
        resources: Type.Optional(Type.Array(ResourceInput, { maxItems: 200 })),
      },
      { additionalProperties: false },
    ),
    response: Survey,
    problems: [404, 422],
    handler: async ({ body, user, trx, requestId }) => ({ status: 201, body: await fileSurvey(trx, user, requestId, body) }),
  }),

  defineOperation({
    operationId: 'surveys.get',
    method: 'get',
    path: '/api/v1/surveys/:id',
    summary: 'One survey with its needs (most urgent first) and resources (by kind, then unit)',
    tag: 'demand',
    access: 'authenticated',
    params: IdParams,
    response: Survey,
    problems: [404],
    handler: async ({ params, user, deps }) => ({ body: await getSurvey(deps.db, user, params.id) }),
  }),

  defineOperation({
    operationId: 'needs.create',
    method: 'post',
    path: '/api/v1/surveys/:id/needs',
    summary: 'Add a need found after the survey was filed (grid worker, resident request or social-worker assessment)',
    tag: 'demand',
    access: ['officer'],
    status: 201,
    transaction: true,
    params: IdParams,
    body: NeedInput,
    response: Need,
    problems: [404],
    handler: async ({ params, body, user, trx, requestId }) => ({ status: 201, body: await addNeed(trx, user, requestId, params.id, body) }),
  }),

  defineOperation({
    operationId: 'resources.create',
    method: 'post',
    path: '/api/v1/regions/:id/resources',
    summary: "Add an entry to a region's resource list (资源清单): a unit that offers a venue, funds, goods, services, volunteers or expertise",
    tag: 'demand',
    access: ['officer'],
    status: 201,
    transaction: true,
    params: IdParams,
    body: ResourceInput,
    response: Resource,
    problems: [404],
    handler: async ({ params, body, user, trx, requestId }) => ({ status: 201, body: await addResource(trx, user, requestId, params.id, body) }),
  }),

  defineOperation({
    operationId: 'needs.list',
    method: 'get',
    path: '/api/v1/regions/:id/demand-list',
    summary: 'The demand list (需求清单) of a region and everything below it: most urgent first, then most people affected',
    tag: 'demand',
    access: 'authenticated',
    params: IdParams,
    query: NeedQuery,
    response: Page(Need),
    problems: [404],
    handler: async ({ params, query, user, deps }) => {
      const { limit, cursor, ...filter } = query;
      return { body: await demandList(deps.db, user, params.id, filter, { limit, cursor }) };
    },
  }),

  defineOperation({
    operationId: 'needs.unanswered',
    method: 'get',
    path: '/api/v1/regions/:id/unanswered-needs',
    summary: 'Needs of a region and below that no live project answers (none, or only rejected, withdrawn or terminated ones, named with how they ended)',
    tag: 'demand',
    access: 'authenticated',
    params: IdParams,
    query: NeedQuery,
    response: Page(UnansweredNeed),
    problems: [404],
    handler: async ({ params, query, user, deps }) => {
      const { limit, cursor, ...filter } = query;
      return { body: await unansweredNeeds(deps.db, user, params.id, filter, { limit, cursor }) };
    },
  }),

  defineOperation({
    operationId: 'resources.list',
    method: 'get',
    path: '/api/v1/regions/:id/resource-list',
    summary: 'The resource list (资源清单) of a region and everything below it, newest first',
    tag: 'demand',
    access: 'authenticated',
    params: IdParams,
    query: Type.Object({ ...PageQuery, kind: Type.Optional(ResourceKind) }, { additionalProperties: false }),
    response: Page(Resource),
    problems: [404],
    handler: async ({ params, query, user, deps }) => {
      const { limit, cursor, kind } = query;
      return { body: await resourceList(deps.db, user, params.id, kind, { limit, cursor }) };
    },
  }),
];
