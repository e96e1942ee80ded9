import type { Knex } from 'knex';

// Demand research and programmes: the closed value sets the API enforces, held by the database too, and a
// sortable urgency so the demand list (most urgent first) pages on plain columns.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE needs ADD COLUMN urgency_rank smallint GENERATED ALWAYS AS (
    CASE urgency WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 END) STORED`);
  await knex.raw(`ALTER TABLE needs ADD CONSTRAINT needs_urgency_check CHECK (urgency IN ('low','medium','high','critical'))`);
  await knex.raw(`ALTER TABLE needs ADD CONSTRAINT needs_source_check CHECK (source IN ('grid_worker','resident_request','social_worker_assessment'))`);
  await knex.raw(`ALTER TABLE needs ADD CONSTRAINT needs_target_group_check CHECK (target_group IN
    ('elderly','children','new_employment_workers','migrants','people_with_disabilities','women_and_families','others'))`);
  await knex.raw('ALTER TABLE needs ADD CONSTRAINT needs_people_affected_check CHECK (people_affected BETWEEN 1 AND 1000000)');
  await knex.raw(`ALTER TABLE resources ADD CONSTRAINT resources_kind_check CHECK (kind IN ('venue','funds','goods','services','volunteers','expertise'))`);
  await knex.raw(`ALTER TABLE programmes ADD CONSTRAINT programmes_status_check CHECK (status IN ('open','closed'))`);
  await knex.raw('CREATE INDEX needs_survey_idx ON needs (survey_id)');
  await knex.raw('CREATE INDEX resources_survey_idx ON resources (survey_id)');
  await knex.raw('CREATE INDEX programmes_created_idx ON programmes (created_at DESC, id DESC)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS programmes_created_idx');
  await knex.raw('DROP INDEX IF EXISTS resources_survey_idx');
  await knex.raw('DROP INDEX IF EXISTS needs_survey_idx');
  await knex.raw('ALTER TABLE programmes DROP CONSTRAINT IF EXISTS programmes_status_check');
  await knex.raw('ALTER TABLE resources DROP CONSTRAINT IF EXISTS resources_kind_check');
  for (const c of ['needs_people_affected_check', 'needs_target_group_check', 'needs_source_check', 'needs_urgency_check']) {
    await knex.raw(`ALTER TABLE needs DROP CONSTRAINT IF EXISTS ${c}`);
  }
  await knex.raw('ALTER TABLE needs DROP COLUMN IF EXISTS urgency_rank');
}
