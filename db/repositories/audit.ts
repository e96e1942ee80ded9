import type { Knex } from 'knex';

export interface AuditEntry {
  actorId: string | null;
  action: string;
  objectType: string;
  objectId: string;
  before?: unknown;
  after?: unknown;
  requestId?: string | null;
}

/** Always called with the transaction of the change it records, so the two commit or fail together. */
export async function writeAudit(trx: Knex | Knex.Transaction, e: AuditEntry): Promise<void> {
  await trx('audit_log').insert({
    actor_id: e.actorId,
    action: e.action,
    object_type: e.objectType,
    object_id: e.objectId,
    before: e.before === undefined ? null : JSON.stringify(e.before),
    after: e.after === undefined ? null : JSON.stringify(e.after),
    request_id: e.requestId ?? null,
  });
}

export interface AuditRow {
  id: string;
  at: Date;
  actor_id: string | null;
  action: string;
  object_type: string;
  object_id: string;
  before: unknown;
  after: unknown;
  request_id: string | null;
}

export function toAuditJson(r: AuditRow) {
  return {
    id: String(r.id),
    at: r.at.toISOString(),
    actorId: r.actor_id,
    action: r.action,
    objectType: r.object_type,
    objectId: r.object_id,
    before: r.before,
    after: r.after,
    requestId: r.request_id,
  };
}

export interface AuditFilter {
  objectType?: string;
  objectId?: string;
  actorId?: string;
}

/** Newest first by id; `before` is an id (a bigint as text) the page starts below. */
export function auditPage(db: Knex, filter: AuditFilter, page: { limit: number; before?: string }): Promise<AuditRow[]> {
  const q = db<AuditRow>('audit_log').select('*');
  if (filter.objectType) q.where('object_type', filter.objectType);
  if (filter.objectId) q.where('object_id', filter.objectId);
  if (filter.actorId) q.where('actor_id', filter.actorId);
  if (page.before) q.where('id', '<', page.before);
  return q.orderBy('id', 'desc').limit(page.limit);
}
