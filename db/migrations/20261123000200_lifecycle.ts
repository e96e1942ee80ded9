import type { Knex } from 'knex';

// Programmes, demand research, projects and everything the lifecycle records, the inbox and the timeline.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE EXTENSION IF NOT EXISTS pg_trgm');
  const ts = (t: Knex.CreateTableBuilder, name = 'created_at') => t.timestamp(name, { useTz: true }).notNullable().defaultTo(knex.fn.now());

  await knex.schema.createTable('programmes', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('name').notNullable();
    t.uuid('region_id').notNullable().references('regions.id');
    t.text('description');
    t.jsonb('rules').notNullable();
    t.text('status').notNullable().defaultTo('open');
    t.uuid('created_by').references('users.id');
    ts(t);
    ts(t, 'updated_at');
    t.index(['region_id']);
  });

  await knex.schema.createTable('surveys', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('region_id').notNullable().references('regions.id');
    t.text('title').notNullable();
    t.date('conducted_on').notNullable();
    t.uuid('created_by').references('users.id');
    ts(t);
    t.index(['region_id']);
  });

  await knex.schema.createTable('needs', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('survey_id').notNullable().references('surveys.id');
    t.uuid('region_id').notNullable().references('regions.id');
    t.text('category').notNullable();
    t.text('target_group').notNullable();
    t.integer('people_affected').notNullable();
    t.text('urgency').notNullable();
    t.text('source').notNullable();
    t.text('description').notNullable();
    ts(t);
    t.index(['region_id']);
  });

  await knex.schema.createTable('resources', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('region_id').notNullable().references('regions.id');
    t.uuid('survey_id').references('surveys.id');
    t.text('unit').notNullable();
    t.text('kind').notNullable();
    t.text('offer').notNullable();
    t.text('contact');
    ts(t);
    t.index(['region_id']);
  });

  await knex.schema.createTable('projects', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('programme_id').notNullable().references('programmes.id');
    t.uuid('organisation_id').notNullable().references('organisations.id');
    t.uuid('region_id').notNullable().references('regions.id');
    t.specificType('region_level', 'region_level').notNullable();
    t.text('region_path').notNullable(); // copied from the region: the library filters subtrees without a join
    t.text('title').notNullable();
    t.text('summary').notNullable().defaultTo('');
    t.specificType('target_groups', 'text[]').notNullable().defaultTo('{}');
    t.text('stage').notNullable();
    t.text('colour').notNullable().defaultTo('green');
    t.bigInteger('amount_asked_fen').notNullable().defaultTo(0);
    t.jsonb('draft').notNullable();
    t.integer('current_version').notNullable().defaultTo(0);
    t.uuid('supervisor_id').references('users.id');
    t.uuid('created_by').references('users.id');
    ts(t);
    ts(t, 'updated_at');
  });
  await knex.raw('CREATE INDEX projects_region_path_idx ON projects (region_path text_pattern_ops, created_at DESC, id DESC)');
  await knex.raw('CREATE INDEX projects_created_idx ON projects (created_at DESC, id DESC)');
  await knex.raw('CREATE INDEX projects_stage_idx ON projects (stage, created_at DESC)');
  await knex.raw('CREATE INDEX projects_colour_idx ON projects (colour, created_at DESC)');
  await knex.raw('CREATE INDEX projects_programme_idx ON projects (programme_id, created_at DESC)');
  await knex.raw('CREATE INDEX projects_org_idx ON projects (organisation_id, created_at DESC)');
  await knex.raw('CREATE INDEX projects_groups_idx ON projects USING gin (target_groups)');
  await knex.raw('CREATE INDEX projects_title_trgm_idx ON projects USING gin (title gin_trgm_ops)');

  await knex.schema.createTable('project_needs', (t) => {
    t.uuid('project_id').notNullable().references('projects.id').onDelete('CASCADE');
    t.uuid('need_id').notNullable().references('needs.id');
    t.primary(['project_id', 'need_id']);
    t.index(['need_id']);
  });

  await knex.schema.createTable('design_versions', (t) => {
    t.uuid('project_id').notNullable().references('projects.id');
    t.integer('version').notNullable();
    t.jsonb('proposal').notNullable();
    t.uuid('submitted_by').references('users.id');
    ts(t, 'submitted_at');
    t.primary(['project_id', 'version']);
  });

  await knex.schema.createTable('conflict_declarations', (t) => {
    t.uuid('user_id').notNullable().references('users.id');
    t.uuid('organisation_id').notNullable().references('organisations.id');
    t.text('reason').notNullable();
    ts(t);
    t.primary(['user_id', 'organisation_id']);
  });

  await knex.schema.createTable('review_assignments', (t) => {
    t.uuid('project_id').notNullable().references('projects.id');
    t.integer('round').notNullable(); // the design version under review
    t.uuid('reviewer_id').notNullable().references('users.id');
    t.text('status').notNullable(); // assigned | scored | replaced
    t.timestamp('due_at', { useTz: true }).notNullable();
    t.jsonb('scores');
    t.text('comments');
    t.decimal('total', 6, 2);
    t.timestamp('scored_at', { useTz: true });
    ts(t, 'assigned_at');
    t.primary(['project_id', 'round', 'reviewer_id']);
    t.index(['reviewer_id', 'status']);
  });

  await knex.schema.createTable('review_decisions', (t) => {
    t.uuid('project_id').notNullable().references('projects.id');
    t.integer('round').notNullable();
    t.text('decision').notNullable();
    t.text('comment');
    t.jsonb('score_sheet');
    t.timestamp('revision_due_at', { useTz: true });
    t.uuid('decided_by').references('users.id');
    ts(t, 'decided_at');
    t.primary(['project_id', 'round']);
  });

  await knex.schema.createTable('agreements', (t) => {
    t.uuid('project_id').primary().references('projects.id');
    t.bigInteger('amount_fen').notNullable();
    t.jsonb('tranches').notNullable();
    t.date('start_date').notNullable();
    t.date('end_date').notNullable();
    t.jsonb('funding_sources').notNullable();
    t.uuid('signed_by').references('users.id');
    ts(t, 'signed_at');
  });

  await knex.schema.createTable('milestones', (t) => {
    t.uuid('project_id').notNullable().references('projects.id');
    t.integer('seq').notNullable();
    t.text('name').notNullable();
    t.date('due').notNullable();
    t.timestamp('done_at', { useTz: true });
    t.text('note');
    t.primary(['project_id', 'seq']);
  });

  await knex.schema.createTable('volunteers', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('name').notNullable();
    t.text('phone');
    ts(t);
  });

  await knex.schema.createTable('service_records', (t) => {
    t.uuid('id').primary(); // chosen by the API, so a retried activity writes the same record
    t.uuid('project_id').notNullable().references('projects.id');
    t.text('activity').notNullable();
    t.date('held_on').notNullable();
    t.text('place').notNullable();
    t.integer('people_served').notNullable();
    t.decimal('volunteer_hours', 10, 2).notNullable().defaultTo(0);
    t.uuid('recorded_by').references('users.id');
    ts(t);
    t.index(['project_id', 'held_on']);
  });

  await knex.schema.createTable('time_bank_entries', (t) => {
    t.bigIncrements('id');
    t.uuid('volunteer_id').notNullable().references('volunteers.id');
    t.uuid('service_record_id').notNullable().references('service_records.id');
    t.decimal('hours', 6, 2).notNullable();
    t.integer('points').notNullable();
    ts(t);
    t.unique(['volunteer_id', 'service_record_id']); // each volunteer's hours credit once per record, whatever retries happen
  });

  await knex.schema.createTable('spending_entries', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('projects.id');
    t.text('budget_item').notNullable();
    t.bigInteger('amount_fen').notNullable();
    t.date('spent_on').notNullable();
    t.text('note');
    t.uuid('recorded_by').references('users.id');
    ts(t);
    t.index(['project_id']);
  });

  await knex.schema.createTable('monthly_reports', (t) => {
    t.uuid('project_id').notNullable().references('projects.id');
    t.integer('period').notNullable();
    t.text('summary').notNullable();
    t.jsonb('indicator_progress').notNullable();
    t.boolean('late').notNullable();
    t.uuid('submitted_by').references('users.id');
    ts(t, 'submitted_at');
    t.primary(['project_id', 'period']);
  });

  await knex.schema.createTable('supervision_visits', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('projects.id');
    t.uuid('supervisor_id').notNullable().references('users.id');
    t.date('visited_on').notNullable();
    t.jsonb('scores').notNullable();
    t.decimal('supervision_index', 5, 1).notNullable();
    t.text('notes');
    ts(t);
    t.index(['project_id']);
  });

  await knex.schema.createTable('complaints', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('projects.id');
    t.date('received_on').notNullable();
    t.text('description').notNullable();
    t.uuid('recorded_by').references('users.id');
    ts(t);
  });

  await knex.schema.createTable('quarterly_reviews', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('projects.id');
    t.text('quarter').notNullable();
    t.date('held_on').notNullable();
    t.text('notes').notNullable();
    t.specificType('attendees', 'text[]').notNullable().defaultTo('{}');
    t.uuid('recorded_by').references('users.id');
    ts(t);
    t.unique(['project_id', 'quarter']);
  });

  await knex.schema.createTable('colour_changes', (t) => {
    t.bigIncrements('id');
    t.uuid('project_id').notNullable().references('projects.id');
    t.text('event_key').notNullable().unique();
    t.text('from_colour').notNullable();
    t.text('to_colour').notNullable();
    t.jsonb('reasons').notNullable();
    t.jsonb('facts').notNullable();
    ts(t, 'at');
    t.index(['project_id']);
  });

  await knex.schema.createTable('rectifications', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('projects.id');
    t.text('cause').notNullable(); // red_grade | failed_evaluation
    t.text('reason').notNullable();
    t.text('plan');
    t.timestamp('due_at', { useTz: true }).notNullable();
    t.text('status').notNullable(); // open | planned | completed
    ts(t);
    t.timestamp('completed_at', { useTz: true });
    t.index(['project_id']);
  });

  await knex.schema.createTable('evaluations', (t) => {
    t.uuid('project_id').notNullable().references('projects.id');
    t.text('kind').notNullable(); // mid_term | final
    t.uuid('evaluator_id').notNullable().references('users.id');
    t.jsonb('scores');
    t.decimal('score', 5, 2);
    t.text('grade');
    t.jsonb('subsidy');
    t.text('comments');
    ts(t, 'assigned_at');
    t.timestamp('submitted_at', { useTz: true });
    t.primary(['project_id', 'kind']);
    t.index(['evaluator_id']);
  });

  await knex.schema.createTable('tasks', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('key').notNullable().unique(); // deterministic, so a retried activity never opens a task twice
    t.uuid('user_id').references('users.id');
    t.text('role'); // or anyone with this role (officers in the project's region, applicants of its organisation)
    t.uuid('organisation_id');
    t.text('region_path');
    t.uuid('project_id').references('projects.id');
    t.uuid('contest_id');
    t.text('kind').notNullable();
    t.text('title').notNullable();
    t.timestamp('due_at', { useTz: true });
    t.text('status').notNullable().defaultTo('open');
    ts(t);
    t.timestamp('completed_at', { useTz: true });
    t.index(['user_id', 'status']);
    t.index(['role', 'status']);
    t.index(['project_id', 'status']);
  });

  await knex.schema.createTable('project_events', (t) => {
    t.bigIncrements('id');
    t.uuid('project_id').notNullable().references('projects.id');
    t.text('event_key').notNullable().unique();
    t.text('kind').notNullable();
    t.uuid('actor_id');
    t.jsonb('data').notNullable();
    ts(t, 'at');
    t.index(['project_id', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'project_events', 'tasks', 'evaluations', 'rectifications', 'colour_changes', 'quarterly_reviews', 'complaints',
    'supervision_visits', 'monthly_reports', 'spending_entries', 'time_bank_entries', 'service_records', 'volunteers',
    'milestones', 'agreements', 'review_decisions', 'review_assignments', 'conflict_declarations', 'design_versions',
    'project_needs', 'projects', 'resources', 'needs', 'surveys', 'programmes',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
