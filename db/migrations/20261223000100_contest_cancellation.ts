import type { Knex } from 'knex';

// A cancelled contest ended as `closed` like an awarded one, its reason kept only on its entries (none for a contest
// cancelled before anything entered) and in the workflow: the read model could not say it was cancelled. The
// contest row now keeps when and why. Contests cancelled before: `close` needs an award, so a closed contest
// without one was cancelled; its reason comes from its cancelled entries when it had any.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('contests', (t) => {
    t.timestamp('cancelled_at', { useTz: true });
    t.text('cancel_reason');
  });
  await backfillCancellations(knex);
}

/** Contests cancelled before the columns existed get them; run by `up`, exported for its test. */
export async function backfillCancellations(knex: Knex): Promise<void> {
  await knex.raw(
    `update contests c
        set cancelled_at = c.closed_at,
            cancel_reason = (select e.reason from contest_entries e
                              where e.contest_id = c.id and e.status = 'cancelled' and e.reason is not null
                              order by e.withdrawn_at, e.id limit 1)
      where c.phase = 'closed' and c.awarded_at is null and c.closed_at is not null and c.cancelled_at is null`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('contests', (t) => {
    t.dropColumn('cancel_reason');
    t.dropColumn('cancelled_at');
  });
}
