import type { Knex } from 'knex';

// Each evaluation round is its own record: a final evaluation ordered again after a rectification is round 2,
// and round 1 keeps its scores, grade and comments.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('evaluations', (t) => {
    t.integer('round').notNullable().defaultTo(1);
  });
  await knex.schema.alterTable('evaluations', (t) => {
    t.dropPrimary();
    t.primary(['project_id', 'kind', 'round']);
  });
}

export async function down(knex: Knex): Promise<void> {
  // Only the latest round of each kind fits the old key.
  await knex.raw('delete from evaluations e where exists (select 1 from evaluations l where l.project_id = e.project_id and l.kind = e.kind and l.round > e.round)');
  await knex.schema.alterTable('evaluations', (t) => {
    t.dropPrimary();
    t.primary(['project_id', 'kind']);
  });
  await knex.schema.alterTable('evaluations', (t) => {
    t.dropColumn('round');
  });
}
