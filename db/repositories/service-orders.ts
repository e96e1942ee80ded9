import type { Knex } from 'knex';
import type { OrderDraft, OrderStatus } from '../../workflows/service-order/messages';
import { DELIVERING, type Stage } from '../../workflows/stages';

import { titleColumns, type TaskTitle } from './tasks';

type Db = Knex | Knex.Transaction;

/** A task in someone's inbox: one person, or everyone with a role in a region or organisation. */
export interface OrderTaskSpec {
  key: string;
  kind: string;
  title: TaskTitle;
  dueAt: string | null;
  userId?: string;
  role?: 'dispatcher' | 'officer' | 'applicant';
  regionPath?: string;
  organisationId?: string;
}

export type OrderWrite =
  | { op: 'create'; draft: OrderDraft; status: OrderStatus }
  | { op: 'dispatch'; attempt: number; kind: 'volunteer' | 'team'; volunteerId: string | null; organisationId: string | null; dueAt: string }
  | { op: 'dispatchOutcome'; attempt: number; outcome: 'accepted' | 'declined' | 'timed_out' | 'cancelled'; reason: string | null; failedDispatches: number }
  | { op: 'checkIn'; at: string }
  | { op: 'checkOut'; at: string; peopleServed: number; hours: number; credit: { volunteerId: string; points: number } | null }
  | { op: 'rate'; rating: number; comment: string }
  | { op: 'close'; cancelAttempt: number | null; reason: string | null };

/** Order task keys all start with this, so an event can close any of them by prefix. */
export const orderTaskPrefix = (orderId: string) => `order:${orderId}:`;

/**
 * The event row and, only when it is new, the order's status (the read model), in one round trip. False when the
 * event key was already written (a retried activity).
 */
export async function insertOrderEvent(trx: Db, ev: { orderId: string; key: string; kind: string; actorId: string | null; data: Record<string, unknown>; at: string; status: OrderStatus }): Promise<boolean> {
  const { rows } = await trx.raw<{ rows: { id: string }[] }>(
    `with ev as (
       insert into service_order_events (order_id, event_key, kind, actor_id, data, at) values (?, ?, ?, ?, ?, ?)
       on conflict (event_key) do nothing returning id
     ), moved as (
       update service_orders set status = ?, updated_at = ? where id = ? and exists (select 1 from ev)
     )
     select id from ev`,
    [ev.orderId, ev.key, ev.kind, ev.actorId ?? null, JSON.stringify(ev.data), ev.at, ev.status, ev.at, ev.orderId],
  );
  return rows.length > 0;
}

export async function applyOrderWrite(trx: Knex.Transaction, orderId: string, at: string, actorId: string | null, w: OrderWrite): Promise<void> {
  switch (w.op) {
    case 'create': {
      const d = w.draft;
      const community = await trx('regions').where({ id: d.communityId }).first('path');
      await trx('service_orders')
        .insert({
          id: orderId, menu_item_id: d.menuItemId, project_id: d.projectId, category: d.category, community_id: d.communityId, region_path: community.path,
          resident_id: d.residentId, resident_name: d.residentName, phone: d.phone, address: d.address, window_from: d.windowFrom, window_to: d.windowTo,
          need: d.need, status: w.status, ordered_by: d.orderedBy, ordered_at: at, updated_at: at,
        })
        .onConflict('id')
        .ignore();
      return;
    }
    case 'dispatch':
      await trx('service_order_dispatches').insert({
        order_id: orderId, attempt: w.attempt, assignee_kind: w.kind, volunteer_id: w.volunteerId, organisation_id: w.organisationId, dispatched_by: actorId, dispatched_at: at, due_at: w.dueAt,
      });
      await trx('service_orders').where({ id: orderId }).update({ assignee_kind: w.kind, assignee_volunteer_id: w.volunteerId, assignee_organisation_id: w.organisationId });
      return;
    case 'dispatchOutcome':
      await trx('service_order_dispatches').where({ order_id: orderId, attempt: w.attempt }).update({ outcome: w.outcome, reason: w.reason, outcome_at: at });
      if (w.outcome === 'accepted') await trx('service_orders').where({ id: orderId }).update({ accepted_by: actorId, accepted_at: at });
      else await trx('service_orders').where({ id: orderId }).update({ failed_dispatches: w.failedDispatches, assignee_kind: null, assignee_volunteer_id: null, assignee_organisation_id: null });
      return;
    case 'checkIn':
      await trx('service_orders').where({ id: orderId }).update({ checked_in_at: w.at });
      return;
    case 'checkOut': {
      await trx('service_orders').where({ id: orderId }).update({ checked_out_at: w.at, people_served: w.peopleServed, hours: w.hours });
      // Credited once per volunteer and order, whatever the retries: the partial unique key makes a second insert a no-op.
      if (w.credit) {
        await trx('time_bank_entries')
          .insert({ volunteer_id: w.credit.volunteerId, order_id: orderId, cause: 'service_order', hours: w.hours, points: w.credit.points, created_at: at })
          .onConflict(trx.raw('(volunteer_id, order_id) WHERE order_id IS NOT NULL'))
          .ignore();
      }
      return;
    }
    case 'rate':
      await trx('service_orders').where({ id: orderId }).update({ rating: w.rating, rating_comment: w.comment, rated_at: at, closed_at: at });
      return;
    case 'close':
      if (w.cancelAttempt !== null) await trx('service_order_dispatches').where({ order_id: orderId, attempt: w.cancelAttempt }).update({ outcome: 'cancelled', reason: w.reason, outcome_at: at });
      await trx('service_orders').where({ id: orderId }).update({ closed_at: at });
      return;
  }
}

export async function closeOrderTasks(trx: Db, orderId: string, prefixes: string[], at: string): Promise<void> {
  for (const prefix of prefixes) {
    if (!prefix.startsWith(orderTaskPrefix(orderId))) throw new Error(`task prefix ${prefix} is not this order's`);
    await trx('tasks').where('status', 'open').whereLike('key', `${prefix.replace(/[\\%_]/g, '\\$&')}%`).update({ status: 'done', completed_at: at });
  }
}

export async function openOrderTasks(trx: Db, orderId: string, tasks: OrderTaskSpec[], at: string): Promise<void> {
  if (!tasks.length) return;
  // The order's project read in the insert itself: one round trip.
  const projectId = trx.raw('(select project_id from service_orders where id = ?)', [orderId]);
  await trx('tasks')
    .insert(tasks.map((t) => ({
      key: t.key, user_id: t.userId ?? null, role: t.role ?? null, region_path: t.regionPath ?? null, organisation_id: t.organisationId ?? null,
      project_id: projectId, kind: t.kind, ...titleColumns(t.title), due_at: t.dueAt, status: 'open', created_at: at,
    })))
    .onConflict('key')
    .ignore();
}

// ---- reads ------------------------------------------------------------------------------------

export interface ServiceOrderRow {
  id: string;
  menu_item_id: string | null;
  project_id: string | null;
  category: string;
  community_id: string;
  region_path: string;
  resident_id: string | null;
  resident_name: string;
  phone: string;
  address: string;
  window_from: Date;
  window_to: Date;
  need: string;
  status: OrderStatus;
  ordered_by: string;
  ordered_at: Date;
  failed_dispatches: number;
  assignee_kind: 'volunteer' | 'team' | null;
  assignee_volunteer_id: string | null;
  assignee_organisation_id: string | null;
  accepted_by: string | null;
  accepted_at: Date | null;
  checked_in_at: Date | null;
  checked_out_at: Date | null;
  people_served: number | null;
  hours: string | null;
  rating: number | null;
  rating_comment: string | null;
  rated_at: Date | null;
  closed_at: Date | null;
}

/** What placing an order from a menu item needs: the item, its project's stage and organisation, the programme's rules. */
export interface MenuItemForOrder {
  category: string;
  community_ids: string[];
  project_id: string;
  stage: Stage;
  organisation_id: string;
  rules: unknown;
}

export function findMenuItemForOrder(db: Db, id: string): Promise<MenuItemForOrder | undefined> {
  return db('service_menu_items as m').join('projects as p', 'p.id', 'm.project_id').join('programmes as g', 'g.id', 'p.programme_id')
    .where('m.id', id).first('m.category', 'm.community_ids', 'm.project_id', 'p.stage', 'p.organisation_id', 'g.rules');
}

export function findOrder(db: Db, id: string): Promise<ServiceOrderRow | undefined> {
  return db<ServiceOrderRow>('service_orders').where({ id }).first();
}

export interface OrderFilter {
  regionPath?: string | null;
  status?: OrderStatus;
  projectId?: string;
  residentId?: string;
  /** Orders this user ordered, accepted, or was (or whose organisation was) dispatched, or of their organisation's projects. */
  involving?: { userId: string; organisationId: string | null; volunteerId: string | null };
}

/** Orders newest first; paging on (ordered_at, id) is the caller's. */
export function ordersQuery(db: Db, f: OrderFilter): Knex.QueryBuilder {
  const q = db('service_orders').select('service_orders.*');
  if (f.regionPath) q.whereLike('service_orders.region_path', `${f.regionPath.replace(/[\\%_]/g, '\\$&')}%`);
  if (f.status) q.where('service_orders.status', f.status);
  if (f.projectId) q.where('service_orders.project_id', f.projectId);
  if (f.residentId) q.where('service_orders.resident_id', f.residentId);
  const inv = f.involving;
  if (inv) {
    q.where((w) => {
      w.where('service_orders.ordered_by', inv.userId).orWhere('service_orders.resident_id', inv.userId).orWhere('service_orders.accepted_by', inv.userId);
      if (inv.volunteerId) w.orWhere('service_orders.assignee_volunteer_id', inv.volunteerId);
      if (inv.organisationId) {
        w.orWhere('service_orders.assignee_organisation_id', inv.organisationId);
        // The organisation running the project sees its orders (masked), to follow them up.
        w.orWhereIn('service_orders.project_id', (s) => s.select('id').from('projects').where('organisation_id', inv.organisationId));
      }
    });
  }
  return q;
}

/** A project team an order may be dispatched to: the organisation running a delivering project. */
export interface TeamCandidateRow {
  id: string;
  name: string;
}

/**
 * The teams an order may go to: for an order from a menu item, the organisation running that item's project; for a
 * need stated in a category, the organisations whose delivering projects offer that category in the order's
 * community, by name (then id), at most `limit`. Only projects still delivering count.
 */
export async function teamCandidates(db: Db, o: Pick<ServiceOrderRow, 'project_id' | 'menu_item_id' | 'category' | 'community_id'>, limit = 10): Promise<TeamCandidateRow[]> {
  if (o.menu_item_id) {
    if (!o.project_id) return [];
    return (await db('projects as p').join('organisations as g', 'g.id', 'p.organisation_id')
      .where('p.id', o.project_id).whereIn('p.stage', DELIVERING).select('g.id', 'g.name')) as TeamCandidateRow[];
  }
  return (await db('service_menu_items as m').join('projects as p', 'p.id', 'm.project_id').join('organisations as g', 'g.id', 'p.organisation_id')
    .where('m.category', o.category).whereRaw('? = ANY(m.community_ids)', [o.community_id]).whereIn('p.stage', DELIVERING)
    .distinct('g.id', 'g.name').orderBy('g.name').orderBy('g.id').limit(limit)) as TeamCandidateRow[];
}

/** Whether an organisation runs a project in delivery (or rectification): a team an order may be dispatched to. */
export async function organisationDelivers(db: Db, organisationId: string): Promise<boolean> {
  return !!(await db('projects').where({ organisation_id: organisationId }).whereIn('stage', DELIVERING).first('id'));
}

export interface DispatchRow {
  attempt: number;
  assignee_kind: 'volunteer' | 'team';
  volunteer_id: string | null;
  organisation_id: string | null;
  dispatched_by: string;
  dispatched_at: Date;
  due_at: Date;
  outcome: string;
  reason: string | null;
  outcome_at: Date | null;
}

export async function dispatchHistory(db: Db, orderId: string): Promise<DispatchRow[]> {
  return (await db('service_order_dispatches').where({ order_id: orderId }).orderBy('attempt')) as DispatchRow[];
}

export interface OrderDashboard {
  ordersByStatus: Record<string, number>;
  orders: number;
  accepted: number;
  /** Median seconds from order to acceptance, over accepted orders; null with none. */
  medianSecondsToAccept: number | null;
  completed: number;
  /** Completed (checked out) over orders placed and not cancelled. */
  completionRate: number | null;
  rated: number;
  unrated: number;
  /** Rated over orders whose rating is settled (rated or unrated). */
  ratingRate: number | null;
}

/** Per region subtree: orders by status, the median wait for acceptance, completion and rating rates. */
export async function orderDashboard(db: Db, regionPath: string): Promise<OrderDashboard> {
  const like = `${regionPath.replace(/[\\%_]/g, '\\$&')}%`;
  const statuses = await db('service_orders').whereLike('region_path', like).groupBy('status').select('status', db.raw('count(*)::int as n'));
  const row = await db('service_orders').whereLike('region_path', like).first(db.raw(`
    count(*)::int as orders,
    count(accepted_at)::int as accepted,
    percentile_cont(0.5) within group (order by extract(epoch from accepted_at - ordered_at)) filter (where accepted_at is not null) as median,
    count(checked_out_at)::int as completed,
    count(*) filter (where status <> 'cancelled')::int as live,
    count(*) filter (where status = 'rated')::int as rated,
    count(*) filter (where status = 'unrated')::int as unrated`));
  const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 10_000) / 10_000);
  return {
    ordersByStatus: Object.fromEntries(statuses.map((s) => [s.status, s.n])),
    orders: row.orders,
    accepted: row.accepted,
    medianSecondsToAccept: row.median === null ? null : Math.round(Number(row.median)),
    completed: row.completed,
    completionRate: ratio(row.completed, row.live),
    rated: row.rated,
    unrated: row.unrated,
    ratingRate: ratio(row.rated, row.rated + row.unrated),
  };
}

/** Units of a proposal indicator that count people, so its target is the coverage target. */
const PEOPLE_UNITS = ['people', 'persons', 'residents', 'beneficiaries', '人', '人次'];

export interface ServiceFigures {
  satisfaction: { ratings: number; satisfied: number; share: number | null };
  coverage: { residents: number; peopleServed: number; target: number | null; share: number | null };
}

/**
 * The drawn figures of a project's evaluation. Satisfaction: the share of rated orders rated 4 or 5, with
 * the count of ratings (unrated orders do not count either way). Coverage: distinct residents served and
 * people served, against the proposal's people target (the sum of its indicators counted in people).
 */
export async function serviceFigures(db: Db, projectId: string): Promise<ServiceFigures> {
  const row = await db('service_orders').where({ project_id: projectId }).first(db.raw(`
    count(rating)::int as ratings,
    count(*) filter (where rating >= 4)::int as satisfied,
    count(distinct coalesce(resident_id::text, resident_name || '|' || phone)) filter (where checked_out_at is not null)::int as residents,
    coalesce(sum(people_served), 0)::int as people`));
  const version = await db('design_versions').where({ project_id: projectId }).orderBy('version', 'desc').first('proposal');
  const indicators = ((version?.proposal as { objectives?: { indicators: { unit: string; target: number }[] }[] } | undefined)?.objectives ?? []).flatMap((o) => o.indicators);
  const people = indicators.filter((i) => PEOPLE_UNITS.includes(i.unit.trim().toLowerCase()));
  const target = people.length ? people.reduce((s, i) => s + i.target, 0) : null;
  const share = (a: number, b: number | null) => (!b ? null : Math.round((a / b) * 10_000) / 10_000);
  return {
    satisfaction: { ratings: row.ratings, satisfied: row.satisfied, share: share(row.satisfied, row.ratings) },
    coverage: { residents: row.residents, peopleServed: row.people, target, share: share(row.people, target) },
  };
}
