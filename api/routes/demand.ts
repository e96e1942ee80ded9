import type { Knex } from 'knex';
import { writeAudit } from '../../db/repositories/audit';
import { needRow, toNeed, type NeedInput, type NeedRow } from '../../db/repositories/needs';
import { resourceRow, toResource, type ResourceInput, type ResourceRow } from '../../db/repositories/resources';
import { findSurvey, toSurvey, type SurveyRow } from '../../db/repositories/surveys';
import { inSubtree } from '../../db/repositories/regions';
import { BusinessRuleError, NotFoundError } from '../errors';
import type { RouteRegistry } from '../registry';
import { findRegionInScope, readScope } from '../scope';
import { sortedPage, type SortKey } from '../paging';

/** The demand list's order: most urgent first, then most people affected, then newest. */
const NEED_ORDER: SortKey[] = [
  { column: 'needs.urgency_rank', type: 'integer' },
  { column: 'needs.people_affected', type: 'integer' },
  { column: 'needs.created_at', type: 'timestamptz' },
  { column: 'needs.id', type: 'uuid' },
];
const RESOURCE_ORDER: SortKey[] = [
  { column: 'resources.created_at', type: 'timestamptz' },
  { column: 'resources.id', type: 'uuid' },
];

/** Stages whose projects no longer answer the needs they named. */
const ABANDONED_STAGES = ['rejected', 'withdrawn'];

interface NeedFilters {
  targetGroup?: string;
  urgency?: string;
  source?: string;
}

/** Needs of the subtree rooted at `regionPath`, filtered. */
function needsIn(db: Knex, regionPath: string, f: NeedFilters): Knex.QueryBuilder {
  const q = db('needs').join('regions', 'regions.id', 'needs.region_id').where('regions.path', 'like', `${regionPath}%`).select('needs.*');
  if (f.targetGroup) q.where('needs.target_group', f.targetGroup);
  if (f.urgency) q.where('needs.urgency', f.urgency);
  if (f.source) q.where('needs.source', f.source);
  return q;
}

interface SurveyInput {
  regionId: string;
  title: string;
  conductedOn: string;
  needs?: NeedInput[];
  resources?: ResourceInput[];
}

export function registerDemandRoutes(registry: RouteRegistry): void {
  registry.add({
    method: 'post',
    path: '/api/v1/surveys',
    operationId: 'surveys.create',
    summary: "File a community's demand-research survey (需求调研), with the needs and resources it found, in one go",
    tag: 'demand',
    access: ['officer'],
    status: 201,
    handler: async ({ body, user, deps, requestId }) => {
      const input = body as SurveyInput;
      const result = await deps.db.transaction(async (trx) => {
        const region = await findRegionInScope(trx, input.regionId, user.regionPath);
        if (region.level !== 'community') {
          throw new BusinessRuleError([{ field: '/body/regionId', rule: 'community-level', message: `names a ${region.level}; a survey is filed for a community (村居)` }]);
        }
        const [survey] = (await trx('surveys')
          .insert({ region_id: region.id, title: input.title, conducted_on: input.conductedOn, created_by: user.id })
          .returning('*')) as SurveyRow[];
        const needs = input.needs?.length ? ((await trx('needs').insert(input.needs.map((n) => needRow(n, survey.id, region.id))).returning('*')) as NeedRow[]) : [];
        const resources = input.resources?.length
          ? ((await trx('resources').insert(input.resources.map((r) => resourceRow(r, region.id, survey.id))).returning('*')) as ResourceRow[])
          : [];
        const audit = { actorId: user.id, action: 'create', requestId };
        await writeAudit(trx, { ...audit, objectType: 'survey', objectId: survey.id, after: toSurvey(survey) });
        for (const n of needs) await writeAudit(trx, { ...audit, objectType: 'need', objectId: n.id, after: toNeed(n) });
        for (const r of resources) await writeAudit(trx, { ...audit, objectType: 'resource', objectId: r.id, after: toResource(r) });
        return { ...toSurvey(survey), needs: needs.map(toNeed), resources: resources.map(toResource) };
      });
      return { status: 201, body: result };
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/surveys/:id',
    operationId: 'surveys.get',
    summary: 'One survey with its needs (most urgent first) and resources (by kind, then unit)',
    tag: 'demand',
    access: 'authenticated',
    handler: async ({ params, user, deps }) => {
      const survey = await findSurvey(deps.db, params.id);
      if (!survey || !inSubtree(survey.region_path, readScope(user))) throw new NotFoundError('survey');
      const [needs, resources] = await Promise.all([
        deps.db<NeedRow>('needs').where({ survey_id: survey.id }).orderBy(NEED_ORDER.map((k) => ({ column: k.column, order: 'desc' as const }))),
        deps.db<ResourceRow>('resources').where({ survey_id: survey.id }).orderBy(['kind', 'unit', 'id']),
      ]);
      return { body: { ...toSurvey(survey), needs: needs.map(toNeed), resources: resources.map(toResource) } };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/surveys/:id/needs',
    operationId: 'needs.create',
    summary: 'Add a need found after the survey was filed (grid worker, resident request or social-worker assessment)',
    tag: 'demand',
    access: ['officer'],
    status: 201,
    handler: async ({ params, body, user, deps, requestId }) => {
      const row = await deps.db.transaction(async (trx) => {
        const survey = await findSurvey(trx, params.id);
        if (!survey || !inSubtree(survey.region_path, user.regionPath)) throw new NotFoundError('survey');
        const [created] = (await trx('needs').insert(needRow(body as NeedInput, survey.id, survey.region_id)).returning('*')) as NeedRow[];
        await writeAudit(trx, { actorId: user.id, action: 'create', objectType: 'need', objectId: created.id, after: toNeed(created), requestId });
        return created;
      });
      return { status: 201, body: toNeed(row) };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/regions/:id/resources',
    operationId: 'resources.create',
    summary: "Add an entry to a region's resource list (资源清单): a unit that offers a venue, funds, goods, services, volunteers or expertise",
    tag: 'demand',
    access: ['officer'],
    status: 201,
    handler: async ({ params, body, user, deps, requestId }) => {
      const row = await deps.db.transaction(async (trx) => {
        const region = await findRegionInScope(trx, params.id, user.regionPath);
        const [created] = (await trx('resources').insert(resourceRow(body as ResourceInput, region.id, null)).returning('*')) as ResourceRow[];
        await writeAudit(trx, { actorId: user.id, action: 'create', objectType: 'resource', objectId: created.id, after: toResource(created), requestId });
        return created;
      });
      return { status: 201, body: toResource(row) };
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/regions/:id/demand-list',
    operationId: 'needs.list',
    summary: 'The demand list (需求清单) of a region and everything below it: most urgent first, then most people affected',
    tag: 'demand',
    access: 'authenticated',
    handler: async ({ params, query, user, deps }) => {
      const region = await findRegionInScope(deps.db, params.id, readScope(user));
      return { body: await sortedPage(deps.db, needsIn(deps.db, region.path, query), NEED_ORDER, query, toNeed) };
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/regions/:id/unanswered-needs',
    operationId: 'needs.unanswered',
    summary: 'Needs of a region and below that no live project answers (none, or only rejected or withdrawn ones, name them)',
    tag: 'demand',
    access: 'authenticated',
    handler: async ({ params, query, user, deps }) => {
      const region = await findRegionInScope(deps.db, params.id, readScope(user));
      const q = needsIn(deps.db, region.path, query).whereNotExists(
        deps.db('project_needs')
          .join('projects', 'projects.id', 'project_needs.project_id')
          .whereRaw('project_needs.need_id = needs.id')
          .whereNotIn('projects.stage', ABANDONED_STAGES)
          .select(deps.db.raw('1')),
      );
      return { body: await sortedPage(deps.db, q, NEED_ORDER, query, toNeed) };
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/regions/:id/resource-list',
    operationId: 'resources.list',
    summary: 'The resource list (资源清单) of a region and everything below it, newest first',
    tag: 'demand',
    access: 'authenticated',
    handler: async ({ params, query, user, deps }) => {
      const region = await findRegionInScope(deps.db, params.id, readScope(user));
      const q = deps.db('resources').join('regions', 'regions.id', 'resources.region_id').where('regions.path', 'like', `${region.path}%`).select('resources.*');
      if (query.kind) q.where('resources.kind', query.kind);
      return { body: await sortedPage(deps.db, q, RESOURCE_ORDER, query, toResource) };
    },
  });
}
