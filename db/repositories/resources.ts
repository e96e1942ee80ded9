import type { Knex } from 'knex';

export type ResourceKind = 'venue' | 'funds' | 'goods' | 'services' | 'volunteers' | 'expertise';

export interface ResourceRow {
  id: string;
  region_id: string;
  survey_id: string | null;
  unit: string;
  kind: ResourceKind;
  offer: string;
  contact: string | null;
  created_at: Date;
}

/** One entry of a community's resource list (资源清单): a unit, company or organisation that can help. */
export interface Resource {
  id: string;
  regionId: string;
  surveyId: string | null;
  unit: string;
  kind: ResourceKind;
  offer: string;
  contact: string | null;
  createdAt: string;
}

export interface ResourceInput {
  unit: string;
  kind: ResourceKind;
  offer: string;
  contact?: string | null;
}

export function toResource(r: ResourceRow): Resource {
  return { id: r.id, regionId: r.region_id, surveyId: r.survey_id, unit: r.unit, kind: r.kind, offer: r.offer, contact: r.contact, createdAt: r.created_at.toISOString() };
}

export function resourceRow(input: ResourceInput, regionId: string, surveyId: string | null): Omit<ResourceRow, 'id' | 'created_at'> {
  return { region_id: regionId, survey_id: surveyId, unit: input.unit, kind: input.kind, offer: input.offer, contact: input.contact ?? null };
}

export async function insertResources(trx: Knex.Transaction, inputs: ResourceInput[], regionId: string, surveyId: string | null): Promise<ResourceRow[]> {
  if (!inputs.length) return [];
  return (await trx('resources').insert(inputs.map((r) => resourceRow(r, regionId, surveyId))).returning('*')) as ResourceRow[];
}

/** A survey's resources by kind, then unit. */
export function resourcesOfSurvey(db: Knex, surveyId: string): Promise<ResourceRow[]> {
  return db<ResourceRow>('resources').where({ survey_id: surveyId }).orderBy(['kind', 'unit', 'id']);
}

/** The resource list of the subtree rooted at `regionPath`, optionally of one kind. */
export function resourcesIn(db: Knex, regionPath: string, kind?: ResourceKind): Knex.QueryBuilder {
  const q = db('resources').join('regions', 'regions.id', 'resources.region_id').where('regions.path', 'like', `${regionPath}%`).select('resources.*');
  if (kind) q.where('resources.kind', kind);
  return q;
}
