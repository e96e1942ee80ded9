import type { Knex } from 'knex';

// A partial award waits for the applicant's answer (rescoping): the entry keeps where that stands and, once declined
// or expired, the amount that went back to the pool.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('contest_entries', (t) => {
    t.text('rescoping_status'); // null (full award or none) | pending | accepted | declined | expired
    t.timestamp('rescoping_due_at', { useTz: true });
    t.timestamp('rescoping_decided_at', { useTz: true });
    t.text('rescoping_reason');
    t.bigInteger('returned_fen').notNullable().defaultTo(0);
  });
  await knex.raw(`ALTER TABLE contest_entries ADD CONSTRAINT contest_entries_rescoping_check
    CHECK (rescoping_status IS NULL OR rescoping_status IN ('pending', 'accepted', 'declined', 'expired'))`);
  // Only what was awarded can go back.
  await knex.raw(`ALTER TABLE contest_entries ADD CONSTRAINT contest_entries_returned_check
    CHECK (returned_fen >= 0 AND returned_fen <= subscribed_fen + matching_fen)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE contest_entries DROP CONSTRAINT contest_entries_returned_check');
  await knex.raw('ALTER TABLE contest_entries DROP CONSTRAINT contest_entries_rescoping_check');
  await knex.schema.alterTable('contest_entries', (t) => {
    t.dropColumns('rescoping_status', 'rescoping_due_at', 'rescoping_decided_at', 'rescoping_reason', 'returned_fen');
  });
}
