import { keysetPage } from '../paging';
import type { RouteRegistry } from '../registry';

interface TaskRow {
  id: string;
  key: string;
  user_id: string | null;
  role: string | null;
  project_id: string | null;
  contest_id: string | null;
  kind: string;
  title: string;
  due_at: Date | null;
  status: string;
  created_at: Date;
  completed_at: Date | null;
}

const toTask = (t: TaskRow) => ({
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

export function registerTaskRoutes(registry: RouteRegistry): void {
  registry.add({
    method: 'get',
    path: '/api/v1/me/tasks',
    operationId: 'tasks.list',
    summary: "Your inbox: what waits for you (named to you, or to your role in your organisation or region), so the product works without email",
    tag: 'tasks',
    access: 'authenticated',
    handler: async ({ query, user, deps }) => {
      const q = deps.db<TaskRow>('tasks').select('tasks.*').where('status', query.status);
      q.where((w) => {
        w.where('user_id', user.id);
        for (const role of ['officer', 'dispatcher'] as const) {
          if (!user.roles.includes(role)) continue;
          w.orWhere((o) => {
            o.where('role', role);
            if (user.regionPath) o.where('region_path', 'like', `${user.regionPath}%`);
          });
        }
        for (const role of ['applicant', 'organiser', 'funder'] as const) {
          if (user.roles.includes(role) && user.organisationId) w.orWhere((o) => o.where('role', role).where('organisation_id', user.organisationId));
        }
      });
      if (query.projectId) q.where('project_id', query.projectId);
      return { body: await keysetPage(deps.db, q, { limit: query.limit, cursor: query.cursor, table: 'tasks' }, toTask) };
    },
  });
}
