import type { Knex } from 'knex';

export interface SurveyRow {
  id: string;
  region_id: string;
  title: string;
  /** node-pg reads a DATE as local midnight; a type parser elsewhere may leave it a string. */
  conducted_on: Date | string;
  created_by: string | null;
  created_at: Date;
}

/** A demand-research survey (需求调研) of one community. */
export interface Survey {
  id: string;
  regionId: string;
  title: string;
  conductedOn: string;
  createdBy: string | null;
  createdAt: string;
}

/** `YYYY-MM-DD` of a DATE column, whatever the process time zone. */
export function isoDate(v: Date | string): string {
  if (typeof v === 'string') return v.slice(0, 10);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${v.getFullYear()}-${pad(v.getMonth() + 1)}-${pad(v.getDate())}`;
}

export function toSurvey(r: SurveyRow): Survey {
  return { id: r.id, regionId: r.region_id, title: r.title, conductedOn: isoDate(r.conducted_on), createdBy: r.created_by, createdAt: r.created_at.toISOString() };
}

/** The survey with the materialised path of its region, for scope checks. */
export function findSurvey(db: Knex | Knex.Transaction, id: string): Promise<(SurveyRow & { region_path: string }) | undefined> {
  return db('surveys').join('regions', 'regions.id', 'surveys.region_id').where('surveys.id', id).first('surveys.*', 'regions.path as region_path');
}

export async function insertSurvey(trx: Knex.Transaction, s: { regionId: string; title: string; conductedOn: string; createdBy: string }): Promise<SurveyRow> {
  const [row] = (await trx('surveys').insert({ region_id: s.regionId, title: s.title, conducted_on: s.conductedOn, created_by: s.createdBy }).returning('*')) as SurveyRow[];
  return row;
}
