import type { Knex } from 'knex';

// Money released to a project, tranche by tranche of its agreement; the final one as the evaluation decides.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('tranche_releases', (t) => {
    t.uuid('project_id').notNullable().references('projects.id');
    t.integer('seq').notNullable(); // 1-based position in the agreement's tranches
    t.bigInteger('amount_fen').notNullable();
    t.bigInteger('agreed_fen').notNullable();
    t.text('note');
    t.uuid('released_by').references('users.id');
    t.timestamp('released_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['project_id', 'seq']);
  });
  await knex.raw('ALTER TABLE tranche_releases ADD CONSTRAINT tranche_releases_amount_check CHECK (amount_fen >= 0 AND amount_fen <= agreed_fen)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('tranche_releases');
}
