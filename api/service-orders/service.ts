import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Principal } from '../auth';
import { hasRole } from '../auth';
import { BusinessRuleError, ForbiddenError, IllegalMoveError, NotFoundError, says } from '../errors';
import { msg } from '../../i18n';
import { maskAddress, maskName, maskPhone } from '../masking';
import { sortedPage, type Page } from '../paging';
import type { AppDeps } from '../deps';
import { loadVisibleProject } from '../projects/access';
import { findRegion, findRegionWithParent, inSubtree } from '../../db/repositories/regions';
import { dispatchHistory, findMenuItemForOrder, findOrder, orderDashboard, ordersQuery, organisationDelivers, serviceFigures, teamCandidates, type OrderDashboard, type ServiceFigures, type ServiceOrderRow } from '../../db/repositories/service-orders';
import { candidateVolunteers, findVolunteer, findVolunteerByUser } from '../../db/repositories/volunteers';
import { findUser } from '../../db/repositories/users';
import { regionTotals } from '../../db/repositories/time-bank';
import { rankCandidates } from '../../workflows/service-order/ranking';
import {
  acceptOrder, cancelOrder, checkIn, checkOut, CLOSED_STATUSES, declineOrder, dispatchOrder, rateOrder, type OrderDraft, type OrderStatus, type OrderView,
} from '../../workflows/service-order/messages';
import { executeOrderUpdate, orderTerms, startOrder } from './workflow';
import { timeZoneOf, type ProgrammeRules } from '../../workflows/rules/programme-rules';
import { DELIVERING } from '../../workflows/stages';

type Deps = Pick<AppDeps, 'db' | 'temporal' | 'config'>;

// ---- access -------------------------------------------------------------------------------------

/** A dispatcher or officer whose region subtree holds the order's community. */
export function isWorkerInScope(user: Principal, regionPath: string): boolean {
  return hasRole(user, 'dispatcher', 'officer') && inSubtree(regionPath, user.regionPath);
}

const isDispatcherInScope = (user: Principal, o: ServiceOrderRow) => hasRole(user, 'dispatcher') && inSubtree(o.region_path, user.regionPath);

/** Whether this user is the one the order is (or was) dispatched to: the volunteer's account, or an applicant of the team. */
function isAssignee(user: Principal, o: Pick<ServiceOrderRow, 'assignee_organisation_id' | 'assignee_kind'>, volunteerUserId: string | null): boolean {
  if (o.assignee_kind === 'volunteer') return volunteerUserId === user.id || (hasRole(user, 'applicant') && !volunteerUserId && !!user.organisationId && user.organisationId === o.assignee_organisation_id);
  return hasRole(user, 'applicant') && !!user.organisationId && user.organisationId === o.assignee_organisation_id;
}

async function canSee(db: Knex, user: Principal, o: ServiceOrderRow): Promise<boolean> {
  if (hasRole(user, 'admin') || isWorkerInScope(user, o.region_path)) return true;
  if ([o.ordered_by, o.resident_id, o.accepted_by].includes(user.id)) return true;
  if (hasRole(user, 'applicant') && user.organisationId) {
    if (o.assignee_organisation_id === user.organisationId) return true;
    if (o.project_id && (await db('projects').where({ id: o.project_id, organisation_id: user.organisationId }).first('id'))) return true;
  }
  const mine = await findVolunteerByUser(db, user.id);
  return !!mine && (o.assignee_volunteer_id === mine.id || !!(await db('service_order_dispatches').where({ order_id: o.id, volunteer_id: mine.id }).first('attempt')));
}

/** The order if this user may see it; otherwise 404, so its existence is not revealed. */
async function loadVisibleOrder(db: Knex, user: Principal, id: string): Promise<ServiceOrderRow> {
  const o = await findOrder(db, id);
  if (!o || !(await canSee(db, user, o))) throw new NotFoundError('service-order');
  return o;
}

// ---- serialising --------------------------------------------------------------------------------

/**
 * A resident's phone and address are whole only to a dispatcher over the order's community and to the
 * accepted assignee, and only while the order is open; everyone else, lists and exports included, gets them masked.
 */
export function seesContact(user: Principal, o: ServiceOrderRow): boolean {
  if (CLOSED_STATUSES.includes(o.status)) return false;
  return isDispatcherInScope(user, o) || (o.accepted_by !== null && o.accepted_by === user.id);
}

export function toOrderJson(o: ServiceOrderRow, user: Principal) {
  const whole = seesContact(user, o);
  return {
    id: o.id,
    status: o.status,
    menuItemId: o.menu_item_id,
    projectId: o.project_id,
    category: o.category,
    communityId: o.community_id,
    residentId: o.resident_id,
    residentName: whole ? o.resident_name : maskName(o.resident_name),
    phone: whole ? o.phone : maskPhone(o.phone),
    address: whole ? o.address : maskAddress(o.address),
    contactMasked: !whole,
    windowFrom: o.window_from.toISOString(),
    windowTo: o.window_to.toISOString(),
    need: o.need,
    orderedBy: o.ordered_by,
    orderedAt: o.ordered_at.toISOString(),
    failedDispatches: o.failed_dispatches,
    assignee: o.assignee_kind ? { kind: o.assignee_kind, volunteerId: o.assignee_volunteer_id, organisationId: o.assignee_organisation_id } : null,
    acceptedBy: o.accepted_by,
    acceptedAt: o.accepted_at?.toISOString() ?? null,
    checkedInAt: o.checked_in_at?.toISOString() ?? null,
    checkedOutAt: o.checked_out_at?.toISOString() ?? null,
    peopleServed: o.people_served,
    hours: o.hours === null ? null : Number(o.hours),
    rating: o.rating,
    ratingComment: o.rating_comment,
    ratedAt: o.rated_at?.toISOString() ?? null,
    closedAt: o.closed_at?.toISOString() ?? null,
  };
}
export type OrderJson = ReturnType<typeof toOrderJson>;

// ---- the loop -----------------------------------------------------------------------------------

export interface PlaceOrderInput {
  menuItemId?: string | null;
  category?: string;
  communityId: string;
  residentId?: string | null;
  residentName?: string;
  phone: string;
  address: string;
  windowFrom: string;
  windowTo: string;
  need?: string;
}

/** A stable id from an Idempotency-Key, so a retried request places the same order. */
function idFrom(key: string | undefined): string {
  if (!key) return crypto.randomUUID();
  const h = crypto.createHash('sha256').update(`service-order:${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * 点单: a resident orders for themself; a dispatcher or officer of the community orders on a resident's
 * behalf (with or without an account). From the menu, the community must be one the item serves.
 */
export async function placeServiceOrder(deps: Deps, user: Principal, input: PlaceOrderInput, idempotencyKey?: string): Promise<OrderJson> {
  // The community (with its street) and the menu item are independent: asked at once, one round trip under load.
  const [community, item] = await Promise.all([
    findRegionWithParent(deps.db, input.communityId),
    input.menuItemId ? findMenuItemForOrder(deps.db, input.menuItemId) : undefined,
  ]);
  if (!community || community.level !== 'community') throw new BusinessRuleError([{ field: '/body/communityId', rule: 'community', ...says('field.no-community') }]);
  const worker = isWorkerInScope(user, community.path);
  if (!worker && !hasRole(user, 'resident')) throw new ForbiddenError(msg('problem.forbidden.order'));
  const residentId = worker ? (input.residentId ?? null) : user.id;
  let residentName = input.residentName;
  if (residentId === user.id && hasRole(user, 'resident')) {
    // A resident ordering for themself: the session already names them.
    residentName ??= user.displayName;
  } else if (residentId) {
    const resident = await findUser(deps.db, residentId);
    if (!resident || !resident.roles.includes('resident')) throw new BusinessRuleError([{ field: '/body/residentId', rule: 'exists', ...says('field.no-resident') }]);
    residentName ??= resident.display_name;
  }
  if (!residentName) throw new BusinessRuleError([{ field: '/body/residentName', rule: 'required', ...says('field.resident-name-required') }]);
  let projectId: string | null = null;
  let category = input.category ?? null;
  let rules: unknown = null;
  let projectOrganisationId: string | null = null;
  if (input.menuItemId) {
    if (!item) throw new BusinessRuleError([{ field: '/body/menuItemId', rule: 'exists', ...says('field.no-menu-item') }]);
    if (!item.community_ids.includes(community.id)) throw new BusinessRuleError([{ field: '/body/communityId', rule: 'menu-community', ...says('field.menu-community') }]);
    if (!DELIVERING.includes(item.stage)) throw new BusinessRuleError([{ field: '/body/menuItemId', rule: 'delivering', ...says('field.delivering', { stage: item.stage }) }]);
    if (category && category !== item.category) throw new BusinessRuleError([{ field: '/body/category', rule: 'menu-category', ...says('field.menu-category', { category: item.category }) }]);
    category = item.category;
    projectId = item.project_id;
    projectOrganisationId = item.organisation_id;
    rules = item.rules;
  }
  if (!category) throw new BusinessRuleError([{ field: '/body/category', rule: 'required', ...says('field.service-or-category') }]);
  if (Date.parse(input.windowTo) <= Date.parse(input.windowFrom)) throw new BusinessRuleError([{ field: '/body/windowTo', rule: 'window', ...says('field.window') }]);
  const streetPath = community.parent_path ?? community.path;
  const orderId = idFrom(idempotencyKey);
  const draft: OrderDraft = {
    menuItemId: input.menuItemId ?? null, projectId, category, communityId: community.id, residentId, residentName, phone: input.phone, address: input.address,
    windowFrom: input.windowFrom, windowTo: input.windowTo, need: input.need ?? '', orderedBy: user.id,
  };
  await startOrder(deps, { orderId, regionPath: community.path, streetPath, projectOrganisationId, terms: orderTerms(rules), timeZone: timeZoneOf(rules as ProgrammeRules | null) }, { actorId: user.id, draft }, idempotencyKey ? `place-${orderId}` : undefined);
  return toOrderJson((await findOrder(deps.db, orderId))!, user);
}

export async function getServiceOrder(deps: Deps, user: Principal, id: string) {
  const o = await loadVisibleOrder(deps.db, user, id);
  const history = await dispatchHistory(deps.db, id);
  return {
    ...toOrderJson(o, user),
    dispatches: history.map((d) => ({
      attempt: d.attempt, kind: d.assignee_kind, volunteerId: d.volunteer_id, organisationId: d.organisation_id, dispatchedBy: d.dispatched_by,
      dispatchedAt: d.dispatched_at.toISOString(), dueAt: d.due_at.toISOString(), outcome: d.outcome, reason: d.reason, outcomeAt: d.outcome_at?.toISOString() ?? null,
    })),
  };
}

/** Orders this user may see: a region's for its dispatchers and officers, one's own otherwise. */
export async function listServiceOrders(deps: Deps, user: Principal, q: { status?: OrderStatus; projectId?: string; limit: number; cursor?: string }): Promise<Page<OrderJson>> {
  let query: Knex.QueryBuilder;
  if (hasRole(user, 'admin')) query = ordersQuery(deps.db, { status: q.status, projectId: q.projectId });
  else if (hasRole(user, 'dispatcher', 'officer')) query = ordersQuery(deps.db, { regionPath: user.regionPath, status: q.status, projectId: q.projectId });
  else {
    const v = await findVolunteerByUser(deps.db, user.id);
    query = ordersQuery(deps.db, { status: q.status, projectId: q.projectId, involving: { userId: user.id, organisationId: hasRole(user, 'applicant') ? user.organisationId : null, volunteerId: v?.id ?? null } });
  }
  return sortedPage(deps.db, query, [{ column: 'service_orders.ordered_at', type: 'timestamptz' }, { column: 'service_orders.id', type: 'uuid' }], q, (r: ServiceOrderRow) => toOrderJson(r, user));
}

/**
 * 派单 candidates: volunteers serving the community or registered in its street, ranked; and the project teams the
 * order may go to instead (the menu item's project's organisation, or those offering the category in the community).
 */
export async function orderCandidates(deps: Deps, user: Principal, id: string) {
  const o = await loadVisibleOrder(deps.db, user, id);
  if (!isWorkerInScope(user, o.region_path)) throw new ForbiddenError(msg('problem.forbidden.dispatch'));
  const community = (await findRegionWithParent(deps.db, o.community_id))!;
  const street = community.parent_path ?? community.path;
  const skills = o.menu_item_id ? ((await deps.db('service_menu_items').where({ id: o.menu_item_id }).first('skills')).skills as string[]) : [o.category];
  const [rows, teams] = await Promise.all([candidateVolunteers(deps.db, o.community_id, street), teamCandidates(deps.db, o)]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const ranked = rankCandidates(rows.map((r) => ({ id: r.id, skills: r.skills, communityIds: r.community_ids, availability: r.availability, openOrders: r.open_orders })), { skills, communityId: o.community_id, windowFrom: o.window_from.toISOString() });
  return {
    items: ranked.map((c, i) => ({ rank: i + 1, volunteerId: c.id, name: byId.get(c.id)!.name, skills: byId.get(c.id)!.skills, skillMatch: c.skillMatch, sameCommunity: c.sameCommunity, available: c.available, openOrders: c.openOrders })),
    teams: teams.map((t) => ({ organisationId: t.id, name: t.name })),
  };
}

async function move(deps: Deps, user: Principal, id: string, run: (o: ServiceOrderRow) => Promise<OrderView>): Promise<OrderJson> {
  const o = await loadVisibleOrder(deps.db, user, id);
  await run(o);
  return toOrderJson((await findOrder(deps.db, id))!, user);
}

export function dispatchServiceOrder(deps: Deps, user: Principal, id: string, input: { volunteerId?: string | null; organisationId?: string | null }, key?: string) {
  return move(deps, user, id, async (o) => {
    if (!isWorkerInScope(user, o.region_path)) throw new ForbiddenError(msg('problem.forbidden.dispatch'));
    if (!!input.volunteerId === !!input.organisationId) throw new BusinessRuleError([{ field: '/body', rule: 'one-assignee', ...says('field.one-assignee') }]);
    if (input.volunteerId) {
      const v = await findVolunteer(deps.db, input.volunteerId);
      if (!v) throw new BusinessRuleError([{ field: '/body/volunteerId', rule: 'exists', ...says('field.no-volunteer') }]);
      return executeOrderUpdate(deps, id, dispatchOrder, { actorId: user.id, kind: 'volunteer', volunteerId: v.id, organisationId: v.user_id ? null : v.organisation_id, userId: v.user_id }, key);
    }
    const org = await deps.db('organisations').where({ id: input.organisationId }).first('id');
    if (!org) throw new BusinessRuleError([{ field: '/body/organisationId', rule: 'exists', ...says('field.no-organisation') }]);
    // A project team: an organisation with a project in delivery, not any organisation on the register.
    if (!(await organisationDelivers(deps.db, org.id))) throw new BusinessRuleError([{ field: '/body/organisationId', rule: 'team-delivering', ...says('field.team-not-delivering') }]);
    return executeOrderUpdate(deps, id, dispatchOrder, { actorId: user.id, kind: 'team', volunteerId: null, organisationId: org.id, userId: null }, key);
  });
}

async function requireAssignee(deps: Deps, user: Principal, o: ServiceOrderRow): Promise<void> {
  const v = o.assignee_volunteer_id ? await findVolunteer(deps.db, o.assignee_volunteer_id) : undefined;
  if (o.status === 'dispatched' && !isAssignee(user, o, v?.user_id ?? null)) throw new ForbiddenError(msg('problem.forbidden.answer-order'));
}

export function acceptServiceOrder(deps: Deps, user: Principal, id: string, key?: string) {
  return move(deps, user, id, async (o) => {
    await requireAssignee(deps, user, o);
    return executeOrderUpdate(deps, id, acceptOrder, { actorId: user.id, organisationId: user.organisationId }, key);
  });
}

export function declineServiceOrder(deps: Deps, user: Principal, id: string, input: { reason: string }, key?: string) {
  return move(deps, user, id, async (o) => {
    await requireAssignee(deps, user, o);
    return executeOrderUpdate(deps, id, declineOrder, { actorId: user.id, organisationId: user.organisationId, reason: input.reason }, key);
  });
}

export function checkInServiceOrder(deps: Deps, user: Principal, id: string, input: { at?: string }, key?: string) {
  return move(deps, user, id, async (o) => {
    if (o.accepted_by && o.accepted_by !== user.id) throw new ForbiddenError(msg('problem.forbidden.serve-order'));
    if (input.at && Date.parse(input.at) > Date.now() + 60_000) throw new BusinessRuleError([{ field: '/body/at', rule: 'not-future', ...says('field.not-future') }]);
    return executeOrderUpdate(deps, id, checkIn, { actorId: user.id, ...(input.at ? { at: input.at } : {}) }, key);
  });
}

export function checkOutServiceOrder(deps: Deps, user: Principal, id: string, input: { at?: string; peopleServed: number }, key?: string) {
  return move(deps, user, id, async (o) => {
    if (o.accepted_by && o.accepted_by !== user.id) throw new ForbiddenError(msg('problem.forbidden.serve-order'));
    if (input.at && Date.parse(input.at) > Date.now() + 60_000) throw new BusinessRuleError([{ field: '/body/at', rule: 'not-future', ...says('field.not-future') }]);
    return executeOrderUpdate(deps, id, checkOut, { actorId: user.id, peopleServed: input.peopleServed, ...(input.at ? { at: input.at } : {}) }, key);
  });
}

export function rateServiceOrder(deps: Deps, user: Principal, id: string, input: { rating: number; comment?: string }, key?: string) {
  return move(deps, user, id, async (o) => {
    if (user.id !== (o.resident_id ?? o.ordered_by) && user.id !== o.ordered_by) throw new ForbiddenError(msg('problem.forbidden.rate-order'));
    return executeOrderUpdate(deps, id, rateOrder, { actorId: user.id, rating: input.rating, comment: input.comment ?? '' }, key);
  });
}

export function cancelServiceOrder(deps: Deps, user: Principal, id: string, input: { reason: string }, key?: string) {
  return move(deps, user, id, async (o) => {
    if (![o.ordered_by, o.resident_id].includes(user.id) && !isWorkerInScope(user, o.region_path)) throw new ForbiddenError(msg('problem.forbidden.cancel-order'));
    return executeOrderUpdate(deps, id, cancelOrder, { actorId: user.id, reason: input.reason }, key);
  });
}

// ---- figures ------------------------------------------------------------------------------------

/** Per region: orders by status, the median wait for acceptance, completion and rating rates, points earned and redeemed. */
export async function regionDashboard(deps: Deps, user: Principal, regionId: string): Promise<OrderDashboard & { regionId: string; timeBank: Awaited<ReturnType<typeof regionTotals>> }> {
  if (!hasRole(user, 'officer', 'dispatcher', 'admin')) throw new ForbiddenError(msg('problem.forbidden.dashboards'));
  const region = await findRegion(deps.db, regionId);
  if (!region || !inSubtree(region.path, hasRole(user, 'admin') ? null : user.regionPath)) throw new NotFoundError('region');
  const [orders, timeBank] = await Promise.all([orderDashboard(deps.db, region.path), regionTotals(deps.db, region.path)]);
  return { regionId, ...orders, timeBank };
}

/** The drawn figures of a project's evaluation: satisfaction and coverage from its orders. */
export async function projectServiceFigures(deps: Deps, user: Principal, projectId: string): Promise<ServiceFigures & { projectId: string }> {
  const project = await loadVisibleProject(deps.db, user, projectId);
  return { projectId: project.id, ...(await serviceFigures(deps.db, project.id)) };
}

// ---- the menu -----------------------------------------------------------------------------------

export interface MenuItemInput {
  name: string;
  category: string;
  targetGroups: string[];
  communityIds: string[];
  capacityPerWeek: number;
  skills: string[];
}

interface MenuItemRow {
  id: string;
  project_id: string;
  name: string;
  category: string;
  target_groups: string[];
  community_ids: string[];
  capacity_per_week: number;
  skills: string[];
  created_at: Date;
}

const toMenuItem = (r: MenuItemRow) => ({
  id: r.id, projectId: r.project_id, name: r.name, category: r.category, targetGroups: r.target_groups, communityIds: r.community_ids, capacityPerWeek: r.capacity_per_week, skills: r.skills, createdAt: r.created_at.toISOString(),
});

/** 服务清单: a project in delivery publishes a service it offers, for communities in its region. */
export async function addMenuItem(trx: Knex.Transaction, user: Principal, projectId: string, input: MenuItemInput) {
  const project = await loadVisibleProject(trx, user, projectId);
  if (!(hasRole(user, 'applicant') && user.organisationId === project.organisation_id)) throw new ForbiddenError(msg('problem.forbidden.menu'));
  if (!DELIVERING.includes(project.stage)) throw new IllegalMoveError(project.stage, 'addMenuItem');
  const ids = [...new Set(input.communityIds)];
  const found = await trx('regions').whereIn('id', ids).where('level', 'community').select('id', 'path');
  const errors = ids.flatMap((c, i) => {
    const r = found.find((f) => f.id === c);
    if (!r) return [{ field: `/body/communityIds/${i}`, rule: 'community', ...says('field.no-community') }];
    return inSubtree(r.path, project.region_path) || project.region_path.startsWith(r.path) ? [] : [{ field: `/body/communityIds/${i}`, rule: 'project-region', ...says('field.project-region') }];
  });
  if (errors.length) throw new BusinessRuleError(errors);
  const [row] = await trx('service_menu_items')
    .insert({ project_id: project.id, name: input.name, category: input.category, target_groups: input.targetGroups, community_ids: ids, capacity_per_week: input.capacityPerWeek, skills: input.skills })
    .returning('*');
  return toMenuItem(row);
}

export async function listMenu(db: Knex, user: Principal, projectId: string) {
  const project = await loadVisibleProject(db, user, projectId);
  return { items: ((await db('service_menu_items').where({ project_id: project.id }).orderBy('created_at').orderBy('id')) as MenuItemRow[]).map(toMenuItem) };
}

/** The services on offer in a community: what a resident orders from. */
export async function communityMenu(db: Knex, communityId: string) {
  const rows = (await db('service_menu_items as m').join('projects as p', 'p.id', 'm.project_id').whereRaw('? = ANY(m.community_ids)', [communityId]).whereIn('p.stage', DELIVERING).orderBy('m.created_at').orderBy('m.id').select('m.*')) as MenuItemRow[];
  return { items: rows.map(toMenuItem) };
}
