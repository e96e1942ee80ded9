import type { Knex } from 'knex';

// Venture-funding contests (公益创投大赛): entries, judges, rounds, score sheets, ranking snapshots, pledges and
// subscriptions. The contest workflow owns the phase and the deadlines; this is the bulk data and the read model.
export async function up(knex: Knex): Promise<void> {
  const ts = (t: Knex.CreateTableBuilder, name = 'created_at') => t.timestamp(name, { useTz: true }).notNullable().defaultTo(knex.fn.now());

  await knex.schema.createTable('contests', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('name').notNullable();
    t.uuid('region_id').notNullable().references('regions.id');
    t.text('region_path').notNullable();
    t.specificType('programme_ids', 'uuid[]').notNullable(); // eligible programmes
    t.jsonb('settings').notNullable(); // ContestSettings: tracks, rounds with criteria, normalisation, blind, matching pool
    t.timestamp('entries_close_at', { useTz: true });
    t.date('roadshow_on');
    t.text('phase').notNullable().defaultTo('draft'); // read model, written by the workflow's activities
    t.integer('current_round');
    t.uuid('final_ranking_id');
    t.timestamp('published_at', { useTz: true });
    t.timestamp('awarded_at', { useTz: true });
    t.timestamp('closed_at', { useTz: true });
    t.uuid('created_by').references('users.id');
    ts(t);
    ts(t, 'updated_at');
  });
  await knex.raw('CREATE INDEX contests_region_path_idx ON contests (region_path text_pattern_ops, created_at DESC, id DESC)');
  await knex.raw('CREATE INDEX contests_created_idx ON contests (created_at DESC, id DESC)');

  await knex.schema.createTable('contest_judges', (t) => {
    t.uuid('contest_id').notNullable().references('contests.id');
    t.uuid('user_id').notNullable().references('users.id');
    t.uuid('added_by').references('users.id');
    ts(t);
    t.primary(['contest_id', 'user_id']);
    t.index(['user_id']);
  });

  await knex.schema.createTable('contest_entries', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('contest_id').notNullable().references('contests.id');
    t.uuid('project_id').notNullable().references('projects.id');
    t.uuid('organisation_id').notNullable().references('organisations.id');
    t.text('track_key').notNullable();
    t.bigInteger('amount_asked_fen').notNullable(); // frozen at entry: the need funders and the pool fill
    t.text('status').notNullable().defaultTo('entered'); // entered | withdrawn | screened_out | awarded | not_awarded | cancelled
    t.text('reason');
    t.bigInteger('subscribed_fen').notNullable().defaultTo(0); // running total of subscriptions (认购)
    t.bigInteger('matching_fen').notNullable().defaultTo(0);
    t.jsonb('funding_sources');
    t.jsonb('agreement'); // the terms sent to the project workflow on award, kept so a retry sends the same
    t.timestamp('project_moved_at', { useTz: true });
    t.text('project_move_error');
    t.uuid('created_by').references('users.id');
    ts(t);
    t.timestamp('withdrawn_at', { useTz: true });
  });
  // The last line of defence against over-allocation: whatever the code does, an entry is never funded past its ask.
  await knex.raw(`ALTER TABLE contest_entries ADD CONSTRAINT contest_entries_funding_check
    CHECK (amount_asked_fen >= 0 AND subscribed_fen >= 0 AND matching_fen >= 0 AND subscribed_fen + matching_fen <= amount_asked_fen)`);
  await knex.raw(`CREATE UNIQUE INDEX contest_entries_active_idx ON contest_entries (contest_id, project_id) WHERE status NOT IN ('withdrawn', 'screened_out')`);
  await knex.raw('CREATE INDEX contest_entries_contest_idx ON contest_entries (contest_id, created_at DESC, id DESC)');
  await knex.raw('CREATE INDEX contest_entries_org_idx ON contest_entries (organisation_id)');

  await knex.schema.createTable('contest_rounds', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('contest_id').notNullable().references('contests.id');
    t.integer('round_index').notNullable();
    t.text('round_key').notNullable();
    t.text('kind').notNullable();
    t.timestamp('opened_at', { useTz: true }).notNullable();
    t.timestamp('deadline_at', { useTz: true }).notNullable();
    t.timestamp('remind_at', { useTz: true });
    t.timestamp('closed_at', { useTz: true }); // set under FOR UPDATE: scores take FOR SHARE and check it
    t.uuid('ranking_id');
    t.unique(['contest_id', 'round_index']);
    t.unique(['contest_id', 'round_key']);
  });

  await knex.schema.createTable('contest_assignments', (t) => {
    t.uuid('round_id').notNullable().references('contest_rounds.id');
    t.uuid('entry_id').notNullable().references('contest_entries.id');
    t.uuid('judge_id').notNullable().references('users.id');
    t.uuid('contest_id').notNullable().references('contests.id');
    t.text('status').notNullable(); // assigned | replaced
    t.timestamp('due_at', { useTz: true }).notNullable();
    ts(t, 'assigned_at');
    t.timestamp('replaced_at', { useTz: true });
    t.primary(['round_id', 'entry_id', 'judge_id']);
    t.index(['contest_id', 'judge_id']);
  });

  await knex.schema.createTable('contest_scores', (t) => {
    t.uuid('round_id').notNullable();
    t.uuid('entry_id').notNullable();
    t.uuid('judge_id').notNullable();
    t.uuid('contest_id').notNullable().references('contests.id');
    t.jsonb('scores').notNullable();
    t.text('comment').notNullable().defaultTo('');
    t.decimal('total', 9, 4).notNullable(); // the sheet's weighted total on 0..100
    t.timestamp('submitted_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable(); // clock_timestamp() of the last revision
    t.primary(['round_id', 'entry_id', 'judge_id']);
    t.foreign(['round_id', 'entry_id', 'judge_id']).references(['round_id', 'entry_id', 'judge_id']).inTable('contest_assignments');
  });

  await knex.schema.createTable('contest_rankings', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('contest_id').notNullable().references('contests.id');
    t.uuid('round_id').references('contest_rounds.id');
    t.text('kind').notNullable(); // round | final
    t.text('method').notNullable();
    t.jsonb('data').notNullable();
    ts(t, 'computed_at');
    t.timestamp('published_at', { useTz: true });
    t.index(['contest_id']);
  });

  await knex.schema.createTable('contest_ranking_entries', (t) => {
    t.uuid('ranking_id').notNullable().references('contest_rankings.id');
    t.uuid('entry_id').notNullable().references('contest_entries.id');
    t.integer('rank').notNullable();
    t.text('track_key').notNullable();
    t.integer('track_rank').notNullable();
    t.decimal('score', 9, 4).notNullable();
    t.integer('sheet_count').notNullable();
    t.text('round_key').notNullable(); // the round whose scores placed the entry
    t.primary(['ranking_id', 'entry_id']);
    t.unique(['ranking_id', 'rank']);
  });

  // A ranking is an immutable snapshot: rows never change, and the snapshot itself only gains its publication time.
  await knex.raw(`
    CREATE FUNCTION contest_ranking_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND OLD.published_at IS NULL AND NEW.published_at IS NOT NULL
         AND NEW.id = OLD.id AND NEW.contest_id = OLD.contest_id AND NEW.round_id IS NOT DISTINCT FROM OLD.round_id
         AND NEW.kind = OLD.kind AND NEW.method = OLD.method AND NEW.data = OLD.data AND NEW.computed_at = OLD.computed_at THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'contest rankings are immutable snapshots (% on %)', TG_OP, TG_TABLE_NAME USING ERRCODE = 'P0001';
    END $$`);
  await knex.raw(`
    CREATE FUNCTION contest_ranking_entry_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'contest rankings are immutable snapshots (% on %)', TG_OP, TG_TABLE_NAME USING ERRCODE = 'P0001';
    END $$`);
  await knex.raw('CREATE TRIGGER contest_rankings_immutable BEFORE UPDATE OR DELETE ON contest_rankings FOR EACH ROW EXECUTE FUNCTION contest_ranking_immutable()');
  await knex.raw('CREATE TRIGGER contest_ranking_entries_immutable BEFORE UPDATE OR DELETE ON contest_ranking_entries FOR EACH ROW EXECUTE FUNCTION contest_ranking_entry_immutable()');

  await knex.schema.createTable('contest_pledges', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('contest_id').notNullable().references('contests.id');
    t.uuid('funder_organisation_id').notNullable().references('organisations.id');
    t.text('kind').notNullable(); // cash | goods | services
    t.bigInteger('value_fen').notNullable();
    t.bigInteger('allocated_fen').notNullable().defaultTo(0); // running total of subscriptions drawn from it
    t.text('description').notNullable().defaultTo('');
    t.uuid('created_by').references('users.id');
    ts(t);
    t.index(['contest_id', 'funder_organisation_id']);
  });
  await knex.raw(`ALTER TABLE contest_pledges ADD CONSTRAINT contest_pledges_value_check
    CHECK (kind IN ('cash', 'goods', 'services') AND value_fen > 0 AND allocated_fen >= 0 AND allocated_fen <= value_fen)`);

  await knex.schema.createTable('contest_subscriptions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('contest_id').notNullable().references('contests.id');
    t.uuid('pledge_id').notNullable().references('contest_pledges.id');
    t.uuid('entry_id').notNullable().references('contest_entries.id');
    t.uuid('funder_organisation_id').notNullable().references('organisations.id');
    t.text('kind').notNullable();
    t.bigInteger('amount_fen').notNullable();
    t.uuid('created_by').references('users.id');
    ts(t);
    t.index(['contest_id', 'created_at']);
    t.index(['entry_id']);
    t.index(['pledge_id']);
  });
  await knex.raw('ALTER TABLE contest_subscriptions ADD CONSTRAINT contest_subscriptions_amount_check CHECK (amount_fen > 0)');
  await knex.raw('CREATE INDEX tasks_contest_idx ON tasks (contest_id, status)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS tasks_contest_idx');
  for (const table of [
    'contest_subscriptions', 'contest_pledges', 'contest_ranking_entries', 'contest_rankings', 'contest_scores',
    'contest_assignments', 'contest_rounds', 'contest_entries', 'contest_judges', 'contests',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.raw('DROP FUNCTION IF EXISTS contest_ranking_immutable()');
  await knex.raw('DROP FUNCTION IF EXISTS contest_ranking_entry_immutable()');
}
