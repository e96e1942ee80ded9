import type { Knex } from 'knex';

// A service record's natural key (issue 10 §2): one record a shift, a shift being (project, volunteer, date, start
// time); and no volunteer in two places at once. One row a volunteer of a record: the unique index refuses the same
// shift twice (a record without a start time is keyed by its day), the exclusion constraint overlapping timed shifts
// on any project. The activity checks both under the volunteers' row locks first and refuses naming the other
// record; these hold whatever runs concurrently.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE EXTENSION IF NOT EXISTS btree_gist');
  await knex.schema.alterTable('service_records', (t) => {
    t.time('start_time'); // local time the shift began; null for records that gave none
  });
  await knex.raw(`
    CREATE TABLE volunteer_shifts (
      service_record_id uuid NOT NULL REFERENCES service_records(id),
      volunteer_id uuid NOT NULL REFERENCES volunteers(id),
      project_id uuid NOT NULL REFERENCES projects(id),
      held_on date NOT NULL,
      start_time time,
      hours numeric(6,2) NOT NULL,
      shift tsrange GENERATED ALWAYS AS (
        CASE WHEN start_time IS NULL THEN NULL ELSE tsrange(held_on + start_time, held_on + start_time + hours::float8 * interval '1 hour') END
      ) STORED,
      PRIMARY KEY (service_record_id, volunteer_id)
    )`);
  await knex.raw('CREATE UNIQUE INDEX volunteer_shifts_natural_key ON volunteer_shifts (project_id, volunteer_id, held_on, start_time) NULLS NOT DISTINCT');
  await knex.raw('ALTER TABLE volunteer_shifts ADD CONSTRAINT volunteer_shifts_no_overlap EXCLUDE USING gist (volunteer_id WITH =, shift WITH &&) WHERE (shift IS NOT NULL)');
  // Records written before: their volunteers' shifts, untimed (a duplicate among them keeps its first row only).
  await knex.raw(`
    INSERT INTO volunteer_shifts (service_record_id, volunteer_id, project_id, held_on, start_time, hours)
    SELECT t.service_record_id, t.volunteer_id, s.project_id, s.held_on, NULL, t.hours
    FROM time_bank_entries t JOIN service_records s ON s.id = t.service_record_id
    WHERE t.service_record_id IS NOT NULL
    ORDER BY t.id
    ON CONFLICT DO NOTHING`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('volunteer_shifts');
  await knex.schema.alterTable('service_records', (t) => {
    t.dropColumn('start_time');
  });
}
