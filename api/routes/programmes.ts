import { isDeepStrictEqual } from 'node:util';
import { findProgramme, toProgramme, type ProgrammeRow, type ProgrammeStatus } from '../../db/repositories/programmes';
import { findRegion, inSubtree } from '../../db/repositories/regions';
import { writeAudit } from '../../db/repositories/audit';
import { checkProgrammeRules, defaultProgrammeRules, type ProgrammeRules } from '../../workflows/rules/programme-rules';
import { BusinessRuleError, ConflictError, NotFoundError } from '../errors';
import type { RouteRegistry } from '../registry';
import { findRegionInScope } from '../scope';
import { sortedPage, type SortKey } from '../paging';

const NEWEST_FIRST: SortKey[] = [
  { column: 'programmes.created_at', type: 'timestamptz' },
  { column: 'programmes.id', type: 'uuid' },
];

interface ProgrammeInput {
  name?: string;
  regionId?: string;
  description?: string | null;
  status?: ProgrammeStatus;
  rules?: ProgrammeRules;
}

/** The schema has checked the shape; these are the cross-field rules, every one reported at once. */
function refuseInconsistentRules(rules: ProgrammeRules | undefined): void {
  if (!rules) return;
  const violations = checkProgrammeRules(rules);
  if (violations.length) throw new BusinessRuleError(violations.map((v) => ({ ...v, field: `/body/rules${v.field}` })));
}

export function registerProgrammeRoutes(registry: RouteRegistry): void {
  registry.add({
    method: 'get',
    path: '/api/v1/programme-rules/defaults',
    operationId: 'programmes.defaultRules',
    summary: 'Default programme rules (Haining 3A and "6430" eligibility, weighted rubric, monthly reports), a starting point for a new programme',
    tag: 'programmes',
    access: 'authenticated',
    handler: async () => ({ body: defaultProgrammeRules() }),
  });

  registry.add({
    method: 'get',
    path: '/api/v1/programmes',
    operationId: 'programmes.list',
    summary: 'List programmes (calls for proposals), optionally those at a region or below it, or with a status',
    tag: 'programmes',
    access: 'authenticated',
    handler: async ({ query, deps }) => {
      const q = deps.db<ProgrammeRow>('programmes').select('programmes.*');
      if (query.status) q.where('programmes.status', query.status);
      if (query.regionId) {
        const root = await findRegion(deps.db, query.regionId);
        if (!root) throw new NotFoundError('region');
        q.join('regions', 'regions.id', 'programmes.region_id').where('regions.path', 'like', `${root.path}%`);
      }
      return { body: await sortedPage(deps.db, q, NEWEST_FIRST, query, toProgramme) };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/programmes',
    operationId: 'programmes.create',
    summary: 'Open a programme (call for proposals) at a region in your scope, with its eligibility, review, monitoring and evaluation rules',
    tag: 'programmes',
    access: ['officer'],
    status: 201,
    handler: async ({ body, user, deps, requestId }) => {
      const input = body as Required<Pick<ProgrammeInput, 'name' | 'regionId' | 'rules'>> & ProgrammeInput;
      refuseInconsistentRules(input.rules);
      const row = await deps.db.transaction(async (trx) => {
        await findRegionInScope(trx, input.regionId, user.regionPath);
        const [created] = (await trx('programmes')
          .insert({ name: input.name, region_id: input.regionId, description: input.description ?? null, rules: JSON.stringify(input.rules), created_by: user.id })
          .returning('*')) as ProgrammeRow[];
        await writeAudit(trx, { actorId: user.id, action: 'create', objectType: 'programme', objectId: created.id, after: toProgramme(created), requestId });
        return created;
      });
      return { status: 201, body: toProgramme(row) };
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/programmes/:id',
    operationId: 'programmes.get',
    summary: 'One programme with its rules',
    tag: 'programmes',
    access: 'authenticated',
    handler: async ({ params, deps }) => {
      const row = await findProgramme(deps.db, params.id);
      if (!row) throw new NotFoundError('programme');
      return { body: toProgramme(row) };
    },
  });

  registry.add({
    method: 'patch',
    path: '/api/v1/programmes/:id',
    operationId: 'programmes.update',
    summary: 'Rename, describe, open or close a programme; its rules change only while it has no project',
    tag: 'programmes',
    access: ['officer'],
    handler: async ({ params, body, user, deps, requestId }) => {
      const input = body as ProgrammeInput;
      refuseInconsistentRules(input.rules);
      const row = await deps.db.transaction(async (trx) => {
        // FOR UPDATE conflicts with the key-share lock a project insert takes on its programme,
        // so no project can slip in between the count below and the rules change.
        const before = await trx<ProgrammeRow>('programmes').where({ id: params.id }).forUpdate().first();
        if (!before) throw new NotFoundError('programme');
        const region = await findRegion(trx, before.region_id);
        if (!region || !inSubtree(region.path, user.regionPath)) throw new NotFoundError('programme');
        const change: Record<string, unknown> = {};
        if (input.name !== undefined) change.name = input.name;
        if (input.description !== undefined) change.description = input.description;
        if (input.status !== undefined) change.status = input.status;
        if (input.rules !== undefined && !isDeepStrictEqual(input.rules, before.rules)) {
          const { count } = (await trx('projects').where({ programme_id: params.id }).count<{ count: string }[]>('* as count'))[0];
          if (Number(count) > 0) {
            throw new ConflictError(`The programme already has ${count} project(s); its rules can no longer change (they were the terms those projects applied under).`, {
              projectCount: Number(count),
            });
          }
          change.rules = JSON.stringify(input.rules);
        }
        const [after] = (await trx('programmes')
          .where({ id: params.id })
          .update({ ...change, updated_at: deps.clock() })
          .returning('*')) as ProgrammeRow[];
        await writeAudit(trx, { actorId: user.id, action: 'update', objectType: 'programme', objectId: params.id, before: toProgramme(before), after: toProgramme(after), requestId });
        return after;
      });
      return { body: toProgramme(row) };
    },
  });
}
