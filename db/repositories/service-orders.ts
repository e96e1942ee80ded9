import type { Knex } from 'knex';
import type { OrderDraft, OrderStatus } from '../../workflows/service-order/messages';

type Db = Knex | Knex.Transaction;

/** A task in someone's inbox: one person, or everyone with a role in a region or organisation. */
export interface OrderTaskSpec {
  key: string;
  kind: string;
  title: string;
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

export async function insertOrderEvent(trx: Db, ev: { orderId: string; key: string; kind: string; actorId: string | null; data: Record<string, unknown>; at: string }): Promise<boolean> {
  const inserted = await trx('service_order_events')
    .insert({ order_id: ev.orderId, event_key: ev.key, kind: ev.kind, actor_id: ev.actorId, data: JSON.stringify(ev.data), at: ev.at })
    .onConflict('event_key')
    .ignore()
    .returning('id');
  return inserted.length > 0;
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
  const order = await trx('service_orders').where({ id: orderId }).first('project_id');
  await trx('tasks')
    .insert(tasks.map((t) => ({
      key: t.key, user_id: t.userId ?? null, role: t.role ?? null, region_path: t.regionPath ?? null, organisation_id: t.organisationId ?? null,
      project_id: order?.project_id ?? null, kind: t.kind, title: t.title, due_at: t.dueAt, status: 'open', created_at: at,
    })))
    .onConflict('key')
    .ignore();
}
