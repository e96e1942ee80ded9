import type { Knex } from 'knex';

export type RegionLevel = 'city' | 'district' | 'street' | 'community';
export const REGION_LEVELS: RegionLevel[] = ['city', 'district', 'street', 'community'];

export interface RegionRow {
  id: string;
  parent_id: string | null;
  level: RegionLevel;
  name: string;
  code: string | null;
  path: string;
  created_at: Date;
}

export interface Region {
  id: string;
  parentId: string | null;
  level: RegionLevel;
  name: string;
  code: string | null;
  path: string;
  createdAt: string;
}

export function toRegion(r: RegionRow): Region {
  return { id: r.id, parentId: r.parent_id, level: r.level, name: r.name, code: r.code, path: r.path, createdAt: r.created_at.toISOString() };
}

export function findRegion(db: Knex | Knex.Transaction, id: string): Promise<RegionRow | undefined> {
  return db<RegionRow>('regions').where({ id }).first();
}

/** A region with its parent's path (null at the top), in one query: an order's community and its street. */
export function findRegionWithParent(db: Knex | Knex.Transaction, id: string): Promise<(RegionRow & { parent_path: string | null }) | undefined> {
  return db('regions as r').leftJoin('regions as p', 'p.id', 'r.parent_id').where('r.id', id).first('r.*', 'p.path as parent_path');
}

/** The level a child of `level` must have; null below the community level. */
export function childLevel(level: RegionLevel): RegionLevel | null {
  return REGION_LEVELS[REGION_LEVELS.indexOf(level) + 1] ?? null;
}

/** True when `path` lies in the subtree rooted at `scopePath` (inclusive). */
export function inSubtree(path: string, scopePath: string | null): boolean {
  return scopePath === null || path.startsWith(scopePath);
}

export interface RegionFilter {
  parentId?: string;
  level?: RegionLevel;
  q?: string;
  /** Only regions in the subtree at this path (inclusive). */
  withinPath?: string;
}

/** The regions matching a filter, as a query the caller pages. */
export function regionsQuery(db: Knex | Knex.Transaction, filter: RegionFilter, like: (text: string) => string): Knex.QueryBuilder {
  const q = db<RegionRow>('regions').select('regions.*');
  if (filter.parentId) q.where('parent_id', filter.parentId);
  if (filter.level) q.where('level', filter.level);
  if (filter.q) q.whereILike('name', like(filter.q));
  if (filter.withinPath) q.where('path', 'like', `${filter.withinPath}%`);
  return q;
}

export async function insertRegion(trx: Knex.Transaction, input: { name: string; level: RegionLevel; parentId: string | null; parentPath: string; code: string | null }): Promise<RegionRow> {
  const id = (await trx.raw('select gen_random_uuid() as id')).rows[0].id as string;
  const [created] = await trx<RegionRow>('regions')
    .insert({ id, name: input.name, level: input.level, parent_id: input.parentId, code: input.code, path: `${input.parentPath}${id}/` })
    .returning('*');
  return created;
}

export function lockRegion(trx: Knex.Transaction, id: string): Promise<RegionRow | undefined> {
  return trx<RegionRow>('regions').where({ id }).forUpdate().first();
}

export async function updateRegion(trx: Knex.Transaction, id: string, change: { name?: string; code?: string | null }): Promise<RegionRow> {
  const [after] = await trx<RegionRow>('regions').where({ id }).update(change).returning('*');
  return after;
}
