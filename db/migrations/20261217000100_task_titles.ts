import type { Knex } from 'knex';

// A task's title is a catalogue key and its params, rendered in each reader's language (issue 10 §6). `title` stays
// filled, in Chinese, for readers that do not render.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tasks', (t) => {
    t.text('title_key');
    t.jsonb('title_params');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tasks', (t) => {
    t.dropColumn('title_key');
    t.dropColumn('title_params');
  });
}
