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
