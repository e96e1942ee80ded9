import type { Knex } from 'knex';

// The supervisor's task was written with an English title and no catalogue key: it now carries `task.supervise` and
// is read in each reader's language; the rows written before get the key and the Chinese title. A supervisor already
// replaced by another keeps no open task for the project.
export async function up(knex: Knex): Promise<void> {
  await knex('tasks').where({ kind: 'supervise' }).whereNull('title_key').update({ title: '走访督导该项目', title_key: 'task.supervise', title_params: '{}' });
  await knex.raw(
    `update tasks t set status = 'done', completed_at = now()
       from projects p
      where t.project_id = p.id and t.kind = 'supervise' and t.status = 'open'
        and t.user_id is distinct from p.supervisor_id`,
  );
}

export async function down(): Promise<void> {
  // The titles and the closed tasks of replaced supervisors are right in either version: nothing to undo.
}
