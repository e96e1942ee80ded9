import { childLevel, findRegion, toRegion, type RegionRow } from '../../db/repositories/regions';
import { writeAudit } from '../../db/repositories/audit';
import { BusinessRuleError, ConflictError, NotFoundError } from '../errors';
import { containsPattern, keysetPage } from '../paging';
import type { RouteRegistry } from '../registry';

const duplicateCode = (err: unknown) => (err as { code?: string }).code === '23505';

export function registerRegionRoutes(registry: RouteRegistry): void {
  registry.add({
    method: 'get',
    path: '/api/v1/regions',
    operationId: 'regions.list',
    summary: 'List regions of the four-level tree (city, district, town/street, community/village)',
    tag: 'regions',
    access: 'authenticated',
    handler: async ({ query, deps }) => {
      const q = deps.db<RegionRow>('regions').select('regions.*');
      if (query.parentId) q.where('parent_id', query.parentId);
      if (query.level) q.where('level', query.level);
      if (query.q) q.whereILike('name', containsPattern(query.q));
      if (query.within) {
        const root = await findRegion(deps.db, query.within);
        if (!root) throw new NotFoundError('region');
        q.where('path', 'like', `${root.path}%`);
      }
      return { body: await keysetPage(deps.db, q, { limit: query.limit, cursor: query.cursor, table: 'regions' }, toRegion) };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/regions',
    operationId: 'regions.create',
    summary: 'Add a region under its parent (a city has no parent; each child is one level below its parent)',
    tag: 'regions',
    access: ['admin'],
    status: 201,
    handler: async ({ body, user, deps, requestId }) => {
      const input = body as { name: string; level: RegionRow['level']; parentId?: string | null; code?: string | null };
      try {
        const row = await deps.db.transaction(async (trx) => {
          let parentPath = '/';
          if (input.parentId) {
            const parent = await findRegion(trx, input.parentId);
            if (!parent) throw new BusinessRuleError([{ field: '/body/parentId', rule: 'exists', message: 'names no existing region' }]);
            const expected = childLevel(parent.level);
            if (expected !== input.level) {
              throw new BusinessRuleError([
                { field: '/body/level', rule: 'region-level', message: expected ? `must be "${expected}" under a ${parent.level}` : `a ${parent.level} cannot have children` },
              ]);
            }
            parentPath = parent.path;
          } else if (input.level !== 'city') {
            throw new BusinessRuleError([{ field: '/body/parentId', rule: 'region-level', message: `a ${input.level} needs a parent region; only a city stands alone` }]);
          }
          const id = (await trx.raw('select gen_random_uuid() as id')).rows[0].id as string;
          const [created] = await trx<RegionRow>('regions')
            .insert({ id, name: input.name, level: input.level, parent_id: input.parentId ?? null, code: input.code ?? null, path: `${parentPath}${id}/` })
            .returning('*');
          await writeAudit(trx, { actorId: user.id, action: 'create', objectType: 'region', objectId: id, after: toRegion(created), requestId });
          return created;
        });
        return { status: 201, body: toRegion(row) };
      } catch (err) {
        if (duplicateCode(err)) throw new ConflictError(`A region with code ${input.code} exists.`);
        throw err;
      }
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/regions/:id',
    operationId: 'regions.get',
    summary: 'One region',
    tag: 'regions',
    access: 'authenticated',
    handler: async ({ params, deps }) => {
      const row = await findRegion(deps.db, params.id);
      if (!row) throw new NotFoundError('region');
      return { body: toRegion(row) };
    },
  });

  registry.add({
    method: 'patch',
    path: '/api/v1/regions/:id',
    operationId: 'regions.update',
    summary: 'Rename a region or change its code',
    tag: 'regions',
    access: ['admin'],
    handler: async ({ params, body, user, deps, requestId }) => {
      const input = body as { name?: string; code?: string | null };
      try {
        const row = await deps.db.transaction(async (trx) => {
          const before = await trx<RegionRow>('regions').where({ id: params.id }).forUpdate().first();
          if (!before) throw new NotFoundError('region');
          const [after] = await trx<RegionRow>('regions').where({ id: params.id }).update(input).returning('*');
          await writeAudit(trx, { actorId: user.id, action: 'update', objectType: 'region', objectId: params.id, before: toRegion(before), after: toRegion(after), requestId });
          return after;
        });
        return { body: toRegion(row) };
      } catch (err) {
        if (duplicateCode(err)) throw new ConflictError(`A region with code ${input.code} exists.`);
        throw err;
      }
    },
  });
}
