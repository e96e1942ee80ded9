import type { Knex } from 'knex';

let made = 0;

/**
 * Makes the database refuse some writes: a trigger on `table` raises `message` before each inserted or updated row
 * that `when` (SQL over `new`) selects. With `errcode` '23514' the refusal is a broken check constraint (a data
 * error, which the activities do not retry); without one it is an error of the server's own. Returns what takes the
 * refusal away again (call it in a `finally`).
 */
export async function refuseWrites(db: Knex, o: { table: string; on: 'insert' | 'update'; when: string; errcode?: string; message?: string }): Promise<() => Promise<void>> {
  const name = `refuse_writes_${++made}`;
  const code = o.errcode ? ` using errcode = '${o.errcode}'` : '';
  await db.raw(`create function ${name}() returns trigger language plpgsql as $$ begin raise exception '${o.message ?? 'refused (test)'}'${code}; end $$`);
  await db.raw(`create trigger ${name} before ${o.on} on ${o.table} for each row when (${o.when}) execute function ${name}()`);
  return async () => {
    await db.raw(`drop trigger ${name} on ${o.table}`);
    await db.raw(`drop function ${name}()`);
  };
}
