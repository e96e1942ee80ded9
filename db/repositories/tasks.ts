import type { Knex } from 'knex';
import { DEFAULT_LANGUAGE, isMessageKey, msg, render, t as text, type Language, type Message } from '../../i18n';

/**
 * A task's title: a catalogue message (rendered in each reader's language), or a plain text from before titles had
 * keys. The row keeps `title` in Chinese for readers that do not render, beside `title_key` and `title_params`.
 */
export type TaskTitle = Message | string;

export function titleColumns(title: TaskTitle): { title: string; title_key: string | null; title_params: string | null } {
  if (typeof title === 'string') return { title, title_key: null, title_params: null };
  return { title: render(DEFAULT_LANGUAGE, title), title_key: title.key, title_params: JSON.stringify(title.params ?? {}) };
}

/** A task in someone's inbox: one person, or everyone with a role in the project's region or organisation. */
export interface TaskSpec {
  key: string;
  kind: string;
  title: TaskTitle;
  dueAt: string | null;
  userId?: string;
  role?: 'officer' | 'applicant' | 'organiser' | 'funder';
  regionPath?: string;
  organisationId?: string;
}

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
  title_key: string | null;
  title_params: Record<string, string | number> | null;
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

export const toTask = (t: TaskRow, lang: Language = DEFAULT_LANGUAGE): Task => ({
  id: t.id,
  kind: t.kind,
  title: t.title_key && isMessageKey(t.title_key) ? text(lang, t.title_key, t.title_params ?? undefined) : t.title,
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

const taskRow = (t: TaskSpec, projectId: string, at: string) => ({
  user_id: t.userId ?? null, role: t.role ?? null, region_path: t.regionPath ?? null, organisation_id: t.organisationId ?? null,
  project_id: projectId, kind: t.kind, ...titleColumns(t.title), due_at: t.dueAt, status: 'open', created_at: at,
});

/**
 * The one place a project's inbox follows its workflow: makes the project's open pending-action tasks the given
 * set, in the caller's transaction (the one that writes the state change). A task names its pending action in
 * `action` (the spec's key); an action still pending keeps its task, one no longer pending has its task closed,
 * and a newly pending one gets a task (keyed by the action, or, when an earlier task already took that key,
 * by the action and this event). With `closeAll` (a project at its end: closed, rejected, withdrawn or
 * terminated) every open task of the project closes, assignments such as a supervisor's too.
 */
export async function reconcileProjectTasks(
  trx: Knex.Transaction,
  projectId: string,
  pending: TaskSpec[],
  opts: { at: string; eventKey: string; closeAll?: boolean },
): Promise<{ opened: number; closed: number }> {
  const open: { id: string; action: string | null }[] = await trx('tasks')
    .where({ project_id: projectId, status: 'open' })
    .modify((q) => {
      if (!opts.closeAll) q.whereNotNull('action');
    })
    .orderBy('id')
    .forUpdate()
    .select('id', 'action');
  const wanted = new Map(pending.map((t) => [t.key, t]));
  const done = open.filter((t) => opts.closeAll || !wanted.has(t.action!)).map((t) => t.id);
  const kept = new Set(open.filter((t) => !done.includes(t.id)).map((t) => t.action));
  const fresh = [...wanted.values()].filter((t) => !kept.has(t.key));
  if (done.length || fresh.length) {
    // One round trip: the tasks no longer pending close and the newly pending ones open, each under its action's
    // key, or, when an earlier task already took that key, under the action and this event.
    const rows = fresh.map((t) => ({ ...taskRow(t, projectId, opts.at), action: t.key, key: t.key, fallback: `${t.key}@${opts.eventKey}` }));
    await trx.raw(
      `with closed as (
         update tasks set status = 'done', completed_at = ? where id = any(?::uuid[])
       ), fresh as (
         select * from jsonb_to_recordset(?::jsonb) as r(
           key text, fallback text, action text, user_id uuid, role text, region_path text, organisation_id uuid, project_id uuid,
           kind text, title text, title_key text, title_params text, due_at timestamptz, status text, created_at timestamptz)
       ), first as (
         insert into tasks (key, action, user_id, role, region_path, organisation_id, project_id, kind, title, title_key, title_params, due_at, status, created_at)
         select key, action, user_id, role, region_path, organisation_id, project_id, kind, title, title_key, title_params::jsonb, due_at, status, created_at from fresh
         on conflict (key) do nothing returning key
       )
       insert into tasks (key, action, user_id, role, region_path, organisation_id, project_id, kind, title, title_key, title_params, due_at, status, created_at)
       select fallback, action, user_id, role, region_path, organisation_id, project_id, kind, title, title_key, title_params::jsonb, due_at, status, created_at from fresh
        where key not in (select key from first)
       on conflict (key) do nothing`,
      [opts.at, done, JSON.stringify(rows)],
    );
  }
  return { opened: fresh.length, closed: done.length };
}

/** The key of a project's task for officers to assign its supervisor. */
export const supervisorAssignmentKey = (projectId: string) => `${projectId}:assign-supervisor`;

/**
 * A project entering delivery with no supervisor: the officers of its region get a task to assign one (keyed, so a
 * project that enters delivery again gets no second). Assigning the supervisor closes it (assignSupervisor), and so
 * does the project's end, as it closes every open task. The supervisor is kept in the database, not in the workflow,
 * so this task is no pending action of the workflow's. The supervisor is looked at again here, in this statement's
 * own snapshot: an assignment that committed while the event's write waited for the project's row opens no task.
 */
export async function openSupervisorAssignment(trx: Knex.Transaction, projectId: string, regionPath: string, at: string): Promise<void> {
  const title = titleColumns(msg('task.assign-supervisor'));
  await trx.raw(
    `insert into tasks (key, role, region_path, project_id, kind, title, title_key, title_params, status, created_at)
     select ?, 'officer', ?, ?, 'assign_supervisor', ?, ?, ?::jsonb, 'open', ?
      where not exists (select 1 from projects where id = ? and supervisor_id is not null)
     on conflict (key) do nothing`,
    [supervisorAssignmentKey(projectId), regionPath, projectId, title.title, title.title_key, title.title_params, at, projectId],
  );
}
