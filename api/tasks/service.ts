import type { Knex } from 'knex';
import type { Principal } from '../auth';
import { keysetPage, type Page } from '../paging';
import { inboxQuery, toTask, type Task, type TaskRow } from '../../db/repositories/tasks';
import type { Language } from '../../i18n';

/** The inbox, each title in the reader's language. */
export function listInbox(db: Knex, user: Principal, filter: { status: string; projectId?: string }, page: { limit: number; cursor?: string }, lang: Language): Promise<Page<Task>> {
  const owner = { userId: user.id, roles: user.roles, organisationId: user.organisationId, regionPath: user.regionPath };
  return keysetPage(db, inboxQuery(db, owner, filter), { ...page, table: 'tasks' }, (row: TaskRow) => toTask(row, lang));
}
