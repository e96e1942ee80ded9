import { isDeepStrictEqual } from 'node:util';
import type { Knex } from 'knex';
import type { Principal } from '../auth';
import { BusinessRuleError, ConflictError, NotFoundError } from '../errors';
import { msg } from '../../i18n';
import { sortedPage, type Page, type SortKey } from '../paging';
import { findRegionInScope } from '../scope';
import { writeAudit } from '../../db/repositories/audit';
import { findRegion, inSubtree } from '../../db/repositories/regions';
import {
  countProjectsOf,
  findProgramme,
  insertProgramme,
  lockProgramme,
  programmesQuery,
  toProgramme,
  updateProgramme,
  type Programme,
  type ProgrammeChange,
  type ProgrammeStatus,
} from '../../db/repositories/programmes';
import { checkProgrammeRules, timeZoneOf, type ProgrammeRules } from '../../workflows/rules/programme-rules';

const NEWEST_FIRST: SortKey[] = [
  { column: 'programmes.created_at', type: 'timestamptz' },
  { column: 'programmes.id', type: 'uuid' },
];

/** The schema has checked the shape; these are the cross-field rules, every one reported at once. */
function refuseInconsistentRules(rules: ProgrammeRules | undefined): void {
  if (!rules) return;
  const violations = checkProgrammeRules(rules);
  if (violations.length) throw new BusinessRuleError(violations.map((v) => ({ ...v, field: `/body/rules${v.field}` })));
}

export async function listProgrammes(db: Knex, filter: { status?: ProgrammeStatus; regionId?: string }, page: { limit: number; cursor?: string }): Promise<Page<Programme>> {
  let regionPath: string | undefined;
  if (filter.regionId) {
    const root = await findRegion(db, filter.regionId);
    if (!root) throw new NotFoundError('region');
    regionPath = root.path;
  }
  return sortedPage(db, programmesQuery(db, { status: filter.status, regionPath }), NEWEST_FIRST, page, toProgramme);
}

export async function getProgramme(db: Knex, id: string): Promise<Programme> {
  const row = await findProgramme(db, id);
  if (!row) throw new NotFoundError('programme');
  return toProgramme(row);
}

export interface NewProgrammeInput {
  name: string;
  regionId: string;
  description?: string | null;
  rules: ProgrammeRules;
}

/** Opens a programme at a region in the officer's scope (404 outside it), audited in the same transaction. */
export async function createProgramme(trx: Knex.Transaction, actor: Principal, requestId: string, input: NewProgrammeInput): Promise<Programme> {
  refuseInconsistentRules(input.rules);
  await findRegionInScope(trx, input.regionId, actor.regionPath);
  const created = toProgramme(await insertProgramme(trx, { name: input.name, regionId: input.regionId, description: input.description ?? null, rules: input.rules, createdBy: actor.id }));
  await writeAudit(trx, { actorId: actor.id, action: 'create', objectType: 'programme', objectId: created.id, after: created, requestId });
  return created;
}

/** Renames, describes, opens or closes a programme; its rules change only while no project has applied under them (409). */
export async function changeProgramme(trx: Knex.Transaction, actor: Principal, requestId: string, id: string, input: ProgrammeChange, at: Date): Promise<Programme> {
  refuseInconsistentRules(input.rules);
  const before = await lockProgramme(trx, id);
  if (!before) throw new NotFoundError('programme');
  const region = await findRegion(trx, before.region_id);
  if (!region || !inSubtree(region.path, actor.regionPath)) throw new NotFoundError('programme');
  const change: ProgrammeChange = {};
  if (input.name !== undefined) change.name = input.name;
  if (input.description !== undefined) change.description = input.description;
  if (input.status !== undefined) change.status = input.status;
  // A stored row from before programmes had a zone runs in the default one: the same rules sent back with it are no change.
  const zoned = (r: ProgrammeRules) => ({ ...r, timeZone: timeZoneOf(r) });
  if (input.rules !== undefined && !isDeepStrictEqual(zoned(input.rules), zoned(before.rules))) {
    const count = await countProjectsOf(trx, id);
    if (count > 0) {
      throw new ConflictError(msg('problem.conflict.programme-rules-frozen', { count }), { projectCount: count });
    }
    change.rules = input.rules;
  }
  const after = await updateProgramme(trx, id, change, at);
  await writeAudit(trx, { actorId: actor.id, action: 'update', objectType: 'programme', objectId: id, before: toProgramme(before), after: toProgramme(after), requestId });
  return toProgramme(after);
}
