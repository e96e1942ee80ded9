import type { Knex } from 'knex';
import { childLevel, findRegion, insertRegion, lockRegion, regionsQuery, toRegion, updateRegion, type Region, type RegionFilter, type RegionLevel } from '../../db/repositories/regions';
import { writeAudit } from '../../db/repositories/audit';
import type { Principal } from '../auth';
import { BusinessRuleError, ConflictError, NotFoundError, says } from '../errors';
import { msg } from '../../i18n';
import { containsPattern, keysetPage, type Page } from '../paging';

const duplicateCode = (err: unknown) => (err as { code?: string }).code === '23505';

export async function listRegions(db: Knex, filter: Omit<RegionFilter, 'withinPath'> & { within?: string }, page: { limit: number; cursor?: string }): Promise<Page<Region>> {
  let withinPath: string | undefined;
  if (filter.within) {
    const root = await findRegion(db, filter.within);
    if (!root) throw new NotFoundError('region');
    withinPath = root.path;
  }
  return keysetPage(db, regionsQuery(db, { ...filter, withinPath }, containsPattern), { ...page, table: 'regions' }, toRegion);
}

export async function getRegion(db: Knex, id: string): Promise<Region> {
  const row = await findRegion(db, id);
  if (!row) throw new NotFoundError('region');
  return toRegion(row);
}

/** A city stands alone; every other region sits exactly one level below its parent. */
export async function createRegion(trx: Knex.Transaction, user: Principal, requestId: string, input: { name: string; level: RegionLevel; parentId?: string | null; code?: string | null }): Promise<Region> {
  let parentPath = '/';
  if (input.parentId) {
    const parent = await findRegion(trx, input.parentId);
    if (!parent) throw new BusinessRuleError([{ field: '/body/parentId', rule: 'exists', ...says('field.no-existing-region') }]);
    const expected = childLevel(parent.level);
    if (expected !== input.level) {
      throw new BusinessRuleError([{ field: '/body/level', rule: 'region-level', ...(expected ? says('field.region-child-level', { expected, parent: parent.level }) : says('field.region-no-children', { parent: parent.level })) }]);
    }
    parentPath = parent.path;
  } else if (input.level !== 'city') {
    throw new BusinessRuleError([{ field: '/body/parentId', rule: 'region-level', ...says('field.region-parent', { level: input.level }) }]);
  }
  const created = await uniqueCode(input.code, () => insertRegion(trx, { name: input.name, level: input.level, parentId: input.parentId ?? null, parentPath, code: input.code ?? null }));
  await writeAudit(trx, { actorId: user.id, action: 'create', objectType: 'region', objectId: created.id, after: toRegion(created), requestId });
  return toRegion(created);
}

export async function changeRegion(trx: Knex.Transaction, user: Principal, requestId: string, id: string, change: { name?: string; code?: string | null }): Promise<Region> {
  const before = await lockRegion(trx, id);
  if (!before) throw new NotFoundError('region');
  const after = await uniqueCode(change.code, () => updateRegion(trx, id, change));
  await writeAudit(trx, { actorId: user.id, action: 'update', objectType: 'region', objectId: id, before: toRegion(before), after: toRegion(after), requestId });
  return toRegion(after);
}

async function uniqueCode<T>(code: string | null | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (duplicateCode(err)) throw new ConflictError(msg('problem.conflict.region-code', { code: String(code) }));
    throw err;
  }
}
