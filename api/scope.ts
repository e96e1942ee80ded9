import type { Knex } from 'knex';
import { findRegion, inSubtree, type RegionRow } from '../db/repositories/regions';
import { hasRole, type Principal } from './auth';
import { NotFoundError } from './errors';

/**
 * The region subtree a reader is limited to: an officer sees only their own scope, everyone else every
 * region (null = no limit). Writers are officers, so writes check `user.regionPath` directly.
 */
export function readScope(user: Principal): string | null {
  return hasRole(user, 'officer') ? user.regionPath : null;
}

/** A region inside `scopePath`; outside it the region is reported missing, so its existence does not leak. */
export async function findRegionInScope(db: Knex | Knex.Transaction, id: string, scopePath: string | null): Promise<RegionRow> {
  const region = await findRegion(db, id);
  if (!region || !inSubtree(region.path, scopePath)) throw new NotFoundError('region');
  return region;
}
