import type { Knex } from 'knex';
import { timeZoneOf, type ProgrammeRules } from '../../workflows/rules/programme-rules';
import { DEFAULT_TIME_ZONE } from '../../workflows/rules/zone';

export type ProgrammeStatus = 'open' | 'closed';

export interface ProgrammeRow {
  id: string;
  name: string;
  region_id: string;
  description: string | null;
  rules: ProgrammeRules;
  status: ProgrammeStatus;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

/** A call for proposals (申报批次) and the rules its projects are held to. */
export interface Programme {
  id: string;
  name: string;
  regionId: string;
  description: string | null;
  rules: ProgrammeRules;
  status: ProgrammeStatus;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toProgramme(r: ProgrammeRow): Programme {
  return {
    id: r.id,
    name: r.name,
    regionId: r.region_id,
    description: r.description,
    rules: r.rules,
    status: r.status,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export function findProgramme(db: Knex | Knex.Transaction, id: string): Promise<ProgrammeRow | undefined> {
  return db<ProgrammeRow>('programmes').where({ id }).first();
}

export interface ProgrammeFilter {
  status?: ProgrammeStatus;
  /** Programmes at the region with this path or below it. */
  regionPath?: string;
}

/** Programmes matching the filter, for paging (newest first). */
export function programmesQuery(db: Knex, filter: ProgrammeFilter): Knex.QueryBuilder {
  const q = db<ProgrammeRow>('programmes').select('programmes.*');
  if (filter.status) q.where('programmes.status', filter.status);
  if (filter.regionPath !== undefined) q.join('regions', 'regions.id', 'programmes.region_id').where('regions.path', 'like', `${filter.regionPath}%`);
  return q;
}

export interface NewProgramme {
  name: string;
  regionId: string;
  description: string | null;
  rules: ProgrammeRules;
  createdBy: string;
}

export async function insertProgramme(trx: Knex.Transaction, p: NewProgramme): Promise<ProgrammeRow> {
  const [row] = (await trx('programmes')
    .insert({ name: p.name, region_id: p.regionId, description: p.description, rules: JSON.stringify(p.rules), created_by: p.createdBy })
    .returning('*')) as ProgrammeRow[];
  return row;
}

/**
 * The programme, locked for a change. FOR UPDATE conflicts with the key-share lock a project insert takes on its
 * programme, so no project can slip in between a count of its projects and a change of its rules.
 */
export function lockProgramme(trx: Knex.Transaction, id: string): Promise<ProgrammeRow | undefined> {
  return trx<ProgrammeRow>('programmes').where({ id }).forUpdate().first();
}

export async function countProjectsOf(trx: Knex.Transaction, programmeId: string): Promise<number> {
  const [{ count }] = await trx('projects').where({ programme_id: programmeId }).count<{ count: string }[]>('* as count');
  return Number(count);
}

export interface ProgrammeChange {
  name?: string;
  description?: string | null;
  status?: ProgrammeStatus;
  rules?: ProgrammeRules;
}

export async function updateProgramme(trx: Knex.Transaction, id: string, change: ProgrammeChange, at: Date): Promise<ProgrammeRow> {
  const { rules, ...rest } = change;
  const [row] = (await trx('programmes')
    .where({ id })
    .update({ ...rest, ...(rules !== undefined ? { rules: JSON.stringify(rules) } : {}), updated_at: at })
    .returning('*')) as ProgrammeRow[];
  return row;
}

/**
 * The zone dates are shown in for something that spans programmes (a contest): theirs when they all name the same,
 * else Asia/Shanghai.
 */
export async function sharedTimeZone(db: Knex | Knex.Transaction, programmeIds: string[]): Promise<string> {
  const rows = programmeIds.length ? await db<ProgrammeRow>('programmes').whereIn('id', programmeIds).select('rules') : [];
  const zones = new Set(rows.map((r) => timeZoneOf(r.rules)));
  return zones.size === 1 ? [...zones][0] : DEFAULT_TIME_ZONE;
}
