import type { Knex } from 'knex';

// Sign-in throttling counts attempts per account-and-address and per address in rate-limiter-flexible's own
// table layout (RateLimiterPostgres: key, points, expire in epoch ms), created here so no request races to create
// it. The per-user lock it replaces let anyone lock any account, so its columns go.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sign_in_throttle', (t) => {
    t.string('key', 255).primary();
    t.integer('points').notNullable().defaultTo(0);
    t.bigInteger('expire');
  });
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('failed_logins');
    t.dropColumn('locked_until');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.integer('failed_logins').notNullable().defaultTo(0);
    t.timestamp('locked_until', { useTz: true });
  });
  await knex.schema.dropTableIfExists('sign_in_throttle');
}
