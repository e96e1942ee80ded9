import type { Knex } from 'knex';

export interface TaskRow {
  id: string;
  key: string;
  user_id: string | null;
  role: string | null;
  organisation_id: string | null;
  region_path: string | null;
  project_id: string | null;
  contest_id: string | null;
  kind: string;
  title: string;
  due_at: Date | null;
  status: string;
  created_at: Date;
  completed_at: Date | null;
}

export interface Task {
  id: string;
  kind: string;
  title: string;
  projectId: string | null;
  contestId: string | null;
  dueAt: string | null;
  status: string;
  createdAt: string;
  completedAt: string | null;
}

export const toTask = (t: TaskRow): Task => ({
  id: t.id,
  kind: t.kind,
  title: t.title,
  projectId: t.project_id,
  contestId: t.contest_id,
  dueAt: t.due_at?.toISOString() ?? null,
  status: t.status,
  createdAt: t.created_at.toISOString(),
  completedAt: t.completed_at?.toISOString() ?? null,
});

/** Who is asking for their inbox: tasks named to them, or to a role they hold in their organisation or region. */
export interface InboxOwner {
  userId: string;
  roles: readonly string[];
  organisationId: string | null;
  regionPath: string | null;
}

/** One person's inbox as a query the caller pages. */
export function inboxQuery(db: Knex, owner: InboxOwner, filter: { status: string; projectId?: string }): Knex.QueryBuilder {
  const q = db<TaskRow>('tasks').select('tasks.*').where('status', filter.status);
  q.where((w) => {
    w.where('user_id', owner.userId);
    // Officers and dispatchers take the tasks of their role in their region's subtree.
    for (const role of ['officer', 'dispatcher'] as const) {
      if (!owner.roles.includes(role)) continue;
      w.orWhere((o) => {
        o.where('role', role);
        if (owner.regionPath) o.where('region_path', 'like', `${owner.regionPath}%`);
      });
    }
    for (const role of ['applicant', 'organiser', 'funder'] as const) {
      if (owner.roles.includes(role) && owner.organisationId) w.orWhere((o) => o.where('role', role).where('organisation_id', owner.organisationId));
    }
  });
  if (filter.projectId) q.where('project_id', filter.projectId);
  return q;
}
