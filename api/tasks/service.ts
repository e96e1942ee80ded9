import type { Knex } from 'knex';
import type { Principal } from '../auth';
import { keysetPage, type Page } from '../paging';
import { inboxQuery, toTask, type Task } from '../../db/repositories/tasks';

export function listInbox(db: Knex, user: Principal, filter: { status: string; projectId?: string }, page: { limit: number; cursor?: string }): Promise<Page<Task>> {
  const owner = { userId: user.id, roles: user.roles, organisationId: user.organisationId, regionPath: user.regionPath };
  return keysetPage(db, inboxQuery(db, owner, filter), { ...page, table: 'tasks' }, toTask);
}
