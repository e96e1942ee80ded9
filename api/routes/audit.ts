import { toAuditJson, type AuditRow } from '../../db/repositories/audit';
import { ValidationError } from '../errors';
import type { RouteRegistry } from '../registry';

export function registerAuditRoutes(registry: RouteRegistry): void {
  registry.add({
    method: 'get',
    path: '/api/v1/audit',
    operationId: 'audit.list',
    summary: 'The audit log, newest first: who did what to which object, when, before and after',
    tag: 'admin',
    access: ['admin'],
    handler: async ({ query, deps }) => {
      const q = deps.db<AuditRow>('audit_log').select('*');
      if (query.objectType) q.where('object_type', query.objectType);
      if (query.objectId) q.where('object_id', query.objectId);
      if (query.actorId) q.where('actor_id', query.actorId);
      if (query.cursor) {
        if (!/^\d+$/.test(query.cursor)) throw new ValidationError([{ field: '/query/cursor', rule: 'cursor', message: 'is not a cursor this API gave out' }]);
        q.where('id', '<', query.cursor);
      }
      const rows = await q.orderBy('id', 'desc').limit(query.limit + 1);
      const more = rows.length > query.limit;
      const items = rows.slice(0, query.limit).map(toAuditJson);
      return { body: { items, nextCursor: more ? items[items.length - 1].id : null } };
    },
  });
}
