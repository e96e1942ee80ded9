import type { Knex } from 'knex';

// The inbox follows the workflows' pending actions: a task names the pending action it stands for (`action`),
// so the event that changes a project's state can reconcile its open tasks with what is pending after it.
// The timeline starts with the project's creation: projects created before get their `created` event.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tasks', (t) => {
    t.text('action'); // null for tasks that are no pending action: alerts, a supervisor's assignment, contests, orders
    t.index(['project_id', 'action']);
  });
  // Open tasks the project workflow opened before: they stand for a pending action (their key named it), so the
  // next event of their project reconciles them too.
  await knex.raw(
    `update tasks set action = key
      where status = 'open' and project_id is not null and key like project_id::text || ':%'
        and kind not in ('supervise', 'operator_alert', 'note')`,
  );
  await knex.raw(
    `insert into project_events (project_id, event_key, kind, actor_id, data, at)
     select id, id::text || ':created', 'created', created_by, jsonb_build_object('title', title, 'programmeId', programme_id), created_at from projects
     on conflict (event_key) do nothing`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex('project_events').where({ kind: 'created' }).delete();
  await knex.schema.alterTable('tasks', (t) => {
    t.dropIndex(['project_id', 'action']);
    t.dropColumn('action');
  });
}
