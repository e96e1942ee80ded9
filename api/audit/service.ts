import type { Knex } from 'knex';
import { bigintCursor, type Page } from '../paging';
import { auditPage, toAuditJson, type AuditFilter } from '../../db/repositories/audit';

export type AuditEntry = ReturnType<typeof toAuditJson>;

/** The audit log pages by its bigint id: the cursor is the last id of the previous page. */
export async function listAudit(db: Knex, filter: AuditFilter, page: { limit: number; cursor?: string }): Promise<Page<AuditEntry>> {
  const rows = await auditPage(db, filter, { limit: page.limit + 1, before: page.cursor === undefined ? undefined : bigintCursor(page.cursor) });
  const more = rows.length > page.limit;
  const items = rows.slice(0, page.limit).map(toAuditJson);
  return { items, nextCursor: more ? items[items.length - 1].id : null };
}
