import type { Knex } from 'knex';

// Residents' service orders (点单-派单-接单-评单): the projects' service menus, real-name volunteers, the orders
// with their dispatch history and timeline, and the time bank as a ledger of earnings and redemptions.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('service_menu_items', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('project_id').notNullable().references('projects.id');
    t.text('name').notNullable();
    t.text('category').notNullable();
    t.specificType('target_groups', 'text[]').notNullable().defaultTo('{}');
    t.specificType('community_ids', 'uuid[]').notNullable().defaultTo('{}');
    t.integer('capacity_per_week').notNullable();
    t.specificType('skills', 'text[]').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['project_id']);
  });
  await knex.raw('ALTER TABLE service_menu_items ADD CONSTRAINT service_menu_items_capacity_check CHECK (capacity_per_week > 0)');

  // Real-name volunteers: the ID number is kept masked only (never whole), skills, communities and weekly availability.
  await knex.schema.alterTable('volunteers', (t) => {
    t.text('id_number_masked');
    t.specificType('skills', 'text[]').notNullable().defaultTo('{}');
    t.specificType('community_ids', 'uuid[]').notNullable().defaultTo('{}');
    t.jsonb('availability').notNullable().defaultTo('[]'); // [{ weekday 1-7, from "HH:MM", to "HH:MM" }] in Asia/Shanghai
    t.uuid('organisation_id').references('organisations.id');
    t.uuid('user_id').references('users.id');
    t.text('region_path'); // the region the registering organisation or officer scoped it to
  });
  await knex.raw('CREATE UNIQUE INDEX volunteers_user_idx ON volunteers (user_id) WHERE user_id IS NOT NULL');
  await knex.raw('CREATE INDEX volunteers_region_idx ON volunteers (region_path text_pattern_ops)');

  await knex.schema.createTable('volunteer_projects', (t) => {
    t.uuid('volunteer_id').notNullable().references('volunteers.id');
    t.uuid('project_id').notNullable().references('projects.id');
    t.primary(['volunteer_id', 'project_id']);
  });

  await knex.schema.createTable('service_orders', (t) => {
    t.uuid('id').primary(); // chosen by the API, so the workflow id service-order-<id> is known before the row
    t.uuid('menu_item_id').references('service_menu_items.id');
    t.uuid('project_id').references('projects.id');
    t.text('category').notNullable();
    t.uuid('community_id').notNullable().references('regions.id');
    t.text('region_path').notNullable(); // the community's path, so a region's dispatchers and dashboards match by prefix
    t.uuid('resident_id').references('users.id'); // null when a worker orders for a resident with no account
    t.text('resident_name').notNullable();
    t.text('phone').notNullable();
    t.text('address').notNullable();
    t.timestamp('window_from', { useTz: true }).notNullable();
    t.timestamp('window_to', { useTz: true }).notNullable();
    t.text('need').notNullable().defaultTo('');
    t.text('status').notNullable();
    t.uuid('ordered_by').notNullable().references('users.id');
    t.timestamp('ordered_at', { useTz: true }).notNullable();
    t.integer('failed_dispatches').notNullable().defaultTo(0);
    t.text('assignee_kind'); // volunteer | team
    t.uuid('assignee_volunteer_id').references('volunteers.id');
    t.uuid('assignee_organisation_id').references('organisations.id');
    t.uuid('accepted_by').references('users.id');
    t.timestamp('accepted_at', { useTz: true });
    t.timestamp('checked_in_at', { useTz: true });
    t.timestamp('checked_out_at', { useTz: true });
    t.integer('people_served');
    t.decimal('hours', 6, 2);
    t.integer('rating');
    t.text('rating_comment');
    t.timestamp('rated_at', { useTz: true });
    t.timestamp('closed_at', { useTz: true });
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['region_path', 'status']);
    t.index(['project_id', 'status']);
    t.index(['assignee_volunteer_id', 'status']);
  });
  await knex.raw(`ALTER TABLE service_orders ADD CONSTRAINT service_orders_status_check CHECK (status IN ('ordered','dispatched','accepted','in_service','served','escalated','rated','unrated','cancelled'))`);
  await knex.raw('ALTER TABLE service_orders ADD CONSTRAINT service_orders_rating_check CHECK (rating IS NULL OR rating BETWEEN 1 AND 5)');
  await knex.raw('ALTER TABLE service_orders ADD CONSTRAINT service_orders_service_check CHECK (checked_out_at IS NULL OR (checked_in_at IS NOT NULL AND checked_out_at >= checked_in_at))');
  await knex.raw('ALTER TABLE service_orders ADD CONSTRAINT service_orders_window_check CHECK (window_to > window_from)');

  // Every dispatch attempt is kept: whom it went to, by whom, until when, and how it ended.
  await knex.schema.createTable('service_order_dispatches', (t) => {
    t.uuid('order_id').notNullable().references('service_orders.id');
    t.integer('attempt').notNullable();
    t.text('assignee_kind').notNullable();
    t.uuid('volunteer_id').references('volunteers.id');
    t.uuid('organisation_id').references('organisations.id');
    t.uuid('dispatched_by').notNullable().references('users.id');
    t.timestamp('dispatched_at', { useTz: true }).notNullable();
    t.timestamp('due_at', { useTz: true }).notNullable();
    t.text('outcome').notNullable().defaultTo('pending'); // pending | accepted | declined | timed_out | cancelled
    t.text('reason');
    t.timestamp('outcome_at', { useTz: true });
    t.primary(['order_id', 'attempt']);
  });

  await knex.schema.createTable('service_order_events', (t) => {
    t.bigIncrements('id');
    t.uuid('order_id').notNullable().references('service_orders.id');
    t.text('event_key').notNullable().unique(); // from the update id, so a retried activity writes nothing twice
    t.text('kind').notNullable();
    t.uuid('actor_id');
    t.jsonb('data').notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.index(['order_id', 'id']);
  });

  // The time bank as a ledger: an earning per volunteer and order (the unique key makes a retry a no-op),
  // a redemption as a negative row naming what it was spent on. The balance is the sum of the rows.
  await knex.schema.alterTable('time_bank_entries', (t) => {
    t.uuid('service_record_id').nullable().alter();
    t.uuid('order_id').references('service_orders.id');
    t.uuid('resource_id').references('resources.id');
    t.text('cause').notNullable().defaultTo('service_record'); // service_record | service_order | redemption
    t.text('note');
  });
  await knex.raw('CREATE UNIQUE INDEX time_bank_entries_order_idx ON time_bank_entries (volunteer_id, order_id) WHERE order_id IS NOT NULL');
  await knex.raw(`ALTER TABLE time_bank_entries ADD CONSTRAINT time_bank_entries_cause_check CHECK (
    (cause = 'service_record' AND service_record_id IS NOT NULL AND points >= 0)
    OR (cause = 'service_order' AND order_id IS NOT NULL AND points >= 0)
    OR (cause = 'redemption' AND points < 0 AND hours = 0))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE time_bank_entries DROP CONSTRAINT IF EXISTS time_bank_entries_cause_check');
  await knex.raw('DROP INDEX IF EXISTS time_bank_entries_order_idx');
  await knex('time_bank_entries').whereNot('cause', 'service_record').delete();
  await knex.schema.alterTable('time_bank_entries', (t) => {
    t.dropColumn('order_id');
    t.dropColumn('resource_id');
    t.dropColumn('cause');
    t.dropColumn('note');
  });
  await knex.raw('ALTER TABLE time_bank_entries ALTER COLUMN service_record_id SET NOT NULL');
  await knex.schema.dropTableIfExists('service_order_events');
  await knex.schema.dropTableIfExists('service_order_dispatches');
  await knex.schema.dropTableIfExists('service_orders');
  await knex.schema.dropTableIfExists('volunteer_projects');
  await knex.raw('DROP INDEX IF EXISTS volunteers_user_idx');
  await knex.raw('DROP INDEX IF EXISTS volunteers_region_idx');
  await knex.schema.alterTable('volunteers', (t) => {
    for (const c of ['id_number_masked', 'skills', 'community_ids', 'availability', 'organisation_id', 'user_id', 'region_path']) t.dropColumn(c);
  });
  await knex.schema.dropTableIfExists('service_menu_items');
}
