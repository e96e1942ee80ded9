import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

export interface TimeBankAccount {
  volunteerId: string;
  hours: number;
  earnedPoints: number;
  redeemedPoints: number;
  balance: number;
}

export interface TimeBankEntryRow {
  id: string;
  volunteer_id: string;
  cause: 'service_record' | 'service_order' | 'redemption';
  hours: string;
  points: number;
  service_record_id: string | null;
  order_id: string | null;
  resource_id: string | null;
  note: string | null;
  created_at: Date;
}

/** The account is its ledger: every figure is a sum over the rows, never a stored total. */
export async function account(db: Db, volunteerId: string): Promise<TimeBankAccount> {
  const row = await db('time_bank_entries')
    .where({ volunteer_id: volunteerId })
    .first(db.raw(`coalesce(sum(hours),0)::float as hours, coalesce(sum(points) filter (where points > 0),0)::int as earned, coalesce(-sum(points) filter (where points < 0),0)::int as redeemed, coalesce(sum(points),0)::int as balance`));
  return { volunteerId, hours: row.hours, earnedPoints: row.earned, redeemedPoints: row.redeemed, balance: row.balance };
}

export type RedeemResult = { ok: true; entryId: string; balance: number } | { ok: false; balance: number };

/**
 * Spends points on a resource of a region's list. The volunteer's row is the account's lock: concurrent
 * redemptions queue on it, and each reads the balance only once it holds the lock, so none overdraws.
 */
export async function redeem(trx: Knex.Transaction, input: { volunteerId: string; points: number; resourceId: string; note: string; at: Date }): Promise<RedeemResult> {
  await trx('volunteers').where({ id: input.volunteerId }).forUpdate().first('id');
  const { balance } = await account(trx, input.volunteerId);
  if (balance < input.points) return { ok: false, balance };
  const [row] = await trx('time_bank_entries')
    .insert({ volunteer_id: input.volunteerId, cause: 'redemption', hours: 0, points: -input.points, resource_id: input.resourceId, note: input.note, created_at: input.at })
    .returning('id');
  return { ok: true, entryId: String(row.id), balance: balance - input.points };
}

/** The ledger, newest first (bigint ids, so the page key is the id). */
export function entriesQuery(db: Db, volunteerId: string): Knex.QueryBuilder {
  return db('time_bank_entries').where({ volunteer_id: volunteerId }).select('time_bank_entries.*');
}

/** A region's totals: hours and points earned and redeemed by the volunteers registered in its subtree. */
export async function regionTotals(db: Db, regionPath: string): Promise<{ volunteers: number; hours: number; earnedPoints: number; redeemedPoints: number }> {
  const row = await db('time_bank_entries as t')
    .join('volunteers as v', 'v.id', 't.volunteer_id')
    .whereLike('v.region_path', `${regionPath.replace(/[\\%_]/g, '\\$&')}%`)
    .first(db.raw(`count(distinct v.id)::int as volunteers, coalesce(sum(t.hours),0)::float as hours, coalesce(sum(t.points) filter (where t.points > 0),0)::int as earned, coalesce(-sum(t.points) filter (where t.points < 0),0)::int as redeemed`));
  return { volunteers: row.volunteers, hours: row.hours, earnedPoints: row.earned, redeemedPoints: row.redeemed };
}
