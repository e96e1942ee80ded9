import type { Knex } from 'knex';

// A rectification plan may re-plan what made a project red: cumulative spending by date, and indicator targets. Once
// the rectification is completed (accepted), the colour is graded against them.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rectifications', (t) => {
    t.jsonb('spending_plan'); // [{ on: 'YYYY-MM-DD', cumulativeFen }], dates rising
    t.jsonb('indicator_targets'); // [{ name, target }]
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rectifications', (t) => {
    t.dropColumn('spending_plan');
    t.dropColumn('indicator_targets');
  });
}
