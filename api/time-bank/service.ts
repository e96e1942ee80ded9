import { hasRole, type Principal } from '../auth';
import { BusinessRuleError, ForbiddenError, NotFoundError, says } from '../errors';
import { msg } from '../../i18n';
import { sortedPage, type Page } from '../paging';
import type { AppDeps } from '../deps';
import { writeAudit } from '../../db/repositories/audit';
import { findRegion, inSubtree } from '../../db/repositories/regions';
import { account, entriesQuery, redeem, regionTotals, type TimeBankAccount, type TimeBankEntryRow } from '../../db/repositories/time-bank';
import { findVolunteerByUser } from '../../db/repositories/volunteers';
import { loadVisibleVolunteer } from '../volunteers/service';

type Deps = Pick<AppDeps, 'db' | 'clock'>;

export function toEntryJson(e: TimeBankEntryRow) {
  return {
    id: String(e.id), cause: e.cause, hours: Number(e.hours), points: e.points, serviceRecordId: e.service_record_id, orderId: e.order_id, resourceId: e.resource_id,
    note: e.note, at: e.created_at.toISOString(),
  };
}

/** A volunteer's hours, points and history: to themself, and to those who see them whole. */
export async function volunteerTimeBank(deps: Deps, user: Principal, volunteerId: string, q: { limit: number; cursor?: string }): Promise<TimeBankAccount & { history: Page<ReturnType<typeof toEntryJson>> }> {
  const { v, sight } = await loadVisibleVolunteer(deps.db, user, volunteerId);
  if (sight !== 'whole') throw new NotFoundError('volunteer');
  const history = await sortedPage(deps.db, entriesQuery(deps.db, v.id), [{ column: 'time_bank_entries.id', type: 'integer' }], q, toEntryJson);
  return { ...(await account(deps.db, v.id)), history };
}

export async function myTimeBank(deps: Deps, user: Principal, q: { limit: number; cursor?: string }) {
  const v = await findVolunteerByUser(deps.db, user.id);
  if (!v) throw new NotFoundError('volunteer');
  return volunteerTimeBank(deps, user, v.id, q);
}

/**
 * 兑换: spends points on an offer of a region's resource list. The volunteer, or those who see them whole
 * (their organisation, officers over them), may redeem; more than the balance is refused and writes nothing.
 */
export async function redeemPoints(deps: Deps, user: Principal, volunteerId: string, input: { points: number; resourceId: string; note?: string }, requestId?: string) {
  const { v, sight } = await loadVisibleVolunteer(deps.db, user, volunteerId);
  if (sight !== 'whole') throw new ForbiddenError(msg('problem.forbidden.redeem'));
  const resource = await deps.db('resources as r').join('regions as g', 'g.id', 'r.region_id').where('r.id', input.resourceId).first('r.id', 'g.path');
  if (!resource) throw new BusinessRuleError([{ field: '/body/resourceId', rule: 'exists', ...says('field.no-resource') }]);
  const result = await deps.db.transaction(async (trx) => {
    const r = await redeem(trx, { volunteerId: v.id, points: input.points, resourceId: resource.id, note: input.note ?? '', at: deps.clock() });
    if (r.ok) await writeAudit(trx, { actorId: user.id, action: 'redeem', objectType: 'volunteer', objectId: v.id, after: { points: input.points, resourceId: resource.id }, requestId });
    return r;
  });
  if (!result.ok) throw new BusinessRuleError([{ field: '/body/points', rule: 'balance', ...says('field.balance', { balance: result.balance }) }], undefined, { balance: result.balance });
  return { entryId: result.entryId, volunteerId: v.id, points: input.points, balance: result.balance };
}

/** A region's totals, for officers over it. */
export async function regionTimeBank(deps: Deps, user: Principal, regionId: string) {
  if (!hasRole(user, 'officer', 'admin')) throw new ForbiddenError(msg('problem.forbidden.time-bank'));
  const region = await findRegion(deps.db, regionId);
  if (!region || !inSubtree(region.path, hasRole(user, 'admin') ? null : user.regionPath)) throw new NotFoundError('region');
  return { regionId, ...(await regionTotals(deps.db, region.path)) };
}
