import type { Knex } from 'knex';
import type { Principal } from '../auth';
import { BusinessRuleError, NotFoundError, says } from '../errors';
import { sortedPage, type Page, type SortKey } from '../paging';
import { findRegionInScope, readScope } from '../scope';
import { writeAudit } from '../../db/repositories/audit';
import { inSubtree } from '../../db/repositories/regions';
import { endedProjectsAnswering, insertNeeds, needsIn, needsOfSurvey, toNeed, unansweredNeedsIn, type EndedProject, type Need, type NeedFilter, type NeedInput, type NeedRow } from '../../db/repositories/needs';
import { insertResources, resourcesIn, resourcesOfSurvey, toResource, type Resource, type ResourceInput, type ResourceKind } from '../../db/repositories/resources';
import { findSurvey, insertSurvey, toSurvey, type Survey } from '../../db/repositories/surveys';

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

type PageOpts = { limit: number; cursor?: string };

export interface SurveyWithFindings extends Survey {
  needs: Need[];
  resources: Resource[];
}

export interface SurveyInput {
  regionId: string;
  title: string;
  conductedOn: string;
  needs?: NeedInput[];
  resources?: ResourceInput[];
}

/** A community's survey with the needs and resources it found, written and audited in one transaction. */
export async function fileSurvey(trx: Knex.Transaction, actor: Principal, requestId: string, input: SurveyInput): Promise<SurveyWithFindings> {
  const region = await findRegionInScope(trx, input.regionId, actor.regionPath);
  if (region.level !== 'community') {
    throw new BusinessRuleError([{ field: '/body/regionId', rule: 'community-level', ...says('field.community-level', { level: region.level }) }]);
  }
  const survey = await insertSurvey(trx, { regionId: region.id, title: input.title, conductedOn: input.conductedOn, createdBy: actor.id });
  const needs = (await insertNeeds(trx, input.needs ?? [], survey.id, region.id)).map(toNeed);
  const resources = (await insertResources(trx, input.resources ?? [], region.id, survey.id)).map(toResource);
  const audit = { actorId: actor.id, action: 'create', requestId };
  await writeAudit(trx, { ...audit, objectType: 'survey', objectId: survey.id, after: toSurvey(survey) });
  for (const n of needs) await writeAudit(trx, { ...audit, objectType: 'need', objectId: n.id, after: n });
  for (const r of resources) await writeAudit(trx, { ...audit, objectType: 'resource', objectId: r.id, after: r });
  return { ...toSurvey(survey), needs, resources };
}

/** A survey the reader's scope covers (404 otherwise), with its needs most urgent first and its resources by kind. */
export async function getSurvey(db: Knex, reader: Principal, id: string): Promise<SurveyWithFindings> {
  const survey = await findSurvey(db, id);
  if (!survey || !inSubtree(survey.region_path, readScope(reader))) throw new NotFoundError('survey');
  const [needs, resources] = await Promise.all([needsOfSurvey(db, survey.id), resourcesOfSurvey(db, survey.id)]);
  return { ...toSurvey(survey), needs: needs.map(toNeed), resources: resources.map(toResource) };
}

/** A need found after the survey was filed joins the survey and its community. */
export async function addNeed(trx: Knex.Transaction, actor: Principal, requestId: string, surveyId: string, input: NeedInput): Promise<Need> {
  const survey = await findSurvey(trx, surveyId);
  if (!survey || !inSubtree(survey.region_path, actor.regionPath)) throw new NotFoundError('survey');
  const [created] = (await insertNeeds(trx, [input], survey.id, survey.region_id)).map(toNeed);
  await writeAudit(trx, { actorId: actor.id, action: 'create', objectType: 'need', objectId: created.id, after: created, requestId });
  return created;
}

export async function addResource(trx: Knex.Transaction, actor: Principal, requestId: string, regionId: string, input: ResourceInput): Promise<Resource> {
  const region = await findRegionInScope(trx, regionId, actor.regionPath);
  const [created] = (await insertResources(trx, [input], region.id, null)).map(toResource);
  await writeAudit(trx, { actorId: actor.id, action: 'create', objectType: 'resource', objectId: created.id, after: created, requestId });
  return created;
}

export async function demandList(db: Knex, reader: Principal, regionId: string, filter: NeedFilter, page: PageOpts): Promise<Page<Need>> {
  const region = await findRegionInScope(db, regionId, readScope(reader));
  return sortedPage(db, needsIn(db, region.path, filter), NEED_ORDER, page, toNeed);
}

export interface UnansweredNeed extends Need {
  endedProjects: EndedProject[];
}

/**
 * Needs no live project answers, each naming the projects that once answered it and ended (rejected, withdrawn,
 * terminated), so an officer sees why it is open again.
 */
export async function unansweredNeeds(db: Knex, reader: Principal, regionId: string, filter: NeedFilter, page: PageOpts): Promise<Page<UnansweredNeed>> {
  const region = await findRegionInScope(db, regionId, readScope(reader));
  const needs = await sortedPage(db, unansweredNeedsIn(db, region.path, filter), NEED_ORDER, page, (r: NeedRow) => toNeed(r));
  const ended = await endedProjectsAnswering(db, needs.items.map((n) => n.id), reader);
  return { items: needs.items.map((n) => ({ ...n, endedProjects: ended.get(n.id) ?? [] })), nextCursor: needs.nextCursor };
}

export async function resourceList(db: Knex, reader: Principal, regionId: string, kind: ResourceKind | undefined, page: PageOpts): Promise<Page<Resource>> {
  const region = await findRegionInScope(db, regionId, readScope(reader));
  return sortedPage(db, resourcesIn(db, region.path, kind), RESOURCE_ORDER, page, toResource);
}
