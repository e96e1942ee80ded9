import type { Knex } from 'knex';

// Events close tasks by key prefix (`order:<id>:`, a project's `<id>:`): `key like 'prefix%'`. The unique index on
// `key` follows the database's collation (C.UTF-8 here, another elsewhere), which a LIKE prefix cannot use, so each
// close scanned every open task. An index in text_pattern_ops answers a LIKE prefix in any collation; it holds the
// open tasks only, the ones a close looks for.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE INDEX tasks_open_key_pattern_idx ON tasks (key text_pattern_ops) WHERE status = 'open'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS tasks_open_key_pattern_idx');
}
