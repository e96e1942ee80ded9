import type { Knex } from 'knex';

// Accounts, organisations, the four-level region tree, login sessions, the audit log and idempotency keys.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE EXTENSION IF NOT EXISTS pgcrypto');

  await knex.schema.createTable('regions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('parent_id').references('regions.id').onDelete('RESTRICT');
    t.enu('level', ['city', 'district', 'street', 'community'], { useNative: true, enumName: 'region_level' }).notNullable();
    t.text('name').notNullable();
    t.text('code');
    // Materialised path of ids ("/<root>/<child>/.../<self>/") so a subtree is one indexed prefix match.
    t.text('path').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['code']);
  });
  await knex.raw('CREATE INDEX regions_path_idx ON regions (path text_pattern_ops)');
  await knex.raw('CREATE INDEX regions_parent_idx ON regions (parent_id)');

  await knex.schema.createTable('organisations', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('name').notNullable();
    t.enu('kind', ['social_work_organisation', 'community', 'company', 'foundation', 'government_unit'], {
      useNative: true,
      enumName: 'organisation_kind',
    }).notNullable();
    t.text('grade');
    t.string('credit_code', 18).notNullable().unique();
    t.integer('staff_count').notNullable().defaultTo(0);
    t.integer('certified_social_worker_count').notNullable().defaultTo(0);
    t.integer('volunteer_count').notNullable().defaultTo(0);
    t.uuid('region_id').references('regions.id');
    t.text('contact');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`ALTER TABLE organisations ADD CONSTRAINT organisations_grade_check CHECK (grade IS NULL OR grade IN ('1A','2A','3A','4A','5A'))`);
  await knex.raw(`ALTER TABLE organisations ADD CONSTRAINT organisations_counts_check CHECK (staff_count >= 0 AND certified_social_worker_count >= 0 AND volunteer_count >= 0)`);

  await knex.schema.createTable('users', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('login').notNullable();
    t.text('display_name').notNullable();
    t.text('password_hash').notNullable();
    t.specificType('roles', 'text[]').notNullable();
    t.uuid('organisation_id').references('organisations.id');
    t.uuid('region_id').references('regions.id');
    t.boolean('disabled').notNullable().defaultTo(false);
    t.integer('failed_logins').notNullable().defaultTo(0);
    t.timestamp('locked_until', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE UNIQUE INDEX users_login_idx ON users (lower(login))');

  await knex.schema.createTable('sessions', (t) => {
    t.text('token_hash').primary();
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true });
    t.index(['user_id']);
  });

  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.uuid('actor_id');
    t.text('action').notNullable();
    t.text('object_type').notNullable();
    t.text('object_id').notNullable();
    t.jsonb('before');
    t.jsonb('after');
    t.text('request_id');
    t.index(['object_type', 'object_id']);
    t.index(['actor_id']);
  });

  await knex.schema.createTable('idempotency_keys', (t) => {
    t.uuid('user_id').notNullable();
    t.text('key').notNullable();
    t.text('method').notNullable();
    t.text('path').notNullable();
    t.text('request_hash').notNullable();
    t.integer('status');
    t.jsonb('response');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['user_id', 'key']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['idempotency_keys', 'audit_log', 'sessions', 'users', 'organisations', 'regions']) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.raw('DROP TYPE IF EXISTS organisation_kind');
  await knex.raw('DROP TYPE IF EXISTS region_level');
}
