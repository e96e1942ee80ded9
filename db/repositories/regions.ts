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

/** The level a child of `level` must have; null below the community level. */
export function childLevel(level: RegionLevel): RegionLevel | null {
  return REGION_LEVELS[REGION_LEVELS.indexOf(level) + 1] ?? null;
}

/** True when `path` lies in the subtree rooted at `scopePath` (inclusive). */
export function inSubtree(path: string, scopePath: string | null): boolean {
  return scopePath === null || path.startsWith(scopePath);
}
