// Pledges (认捐) and subscriptions (认购) of a contest: their queries, and the funding desk's database function.
import type { Knex } from 'knex';
import type { ContestEntryRow, PledgeRow, SubscriptionRow } from './contests';

type Db = Knex | Knex.Transaction;

/** One request of a desk batch, as contest_subscribe (migrations 20261202000300, 20261220000100) takes it. */
export interface DeskRequest {
  pledgeId: string;
  entryId: string;
  amountFen: number;
  funderOrganisationId: string;
  userId: string;
  requestId: string;
  /** The Idempotency-Key's row (user and key) whose answer commits with the subscription. */
  keyUserId?: string;
  key?: string;
}

/** What a subscription was checked against when refused: the contest's phase, the pledge and the entry. */
export interface DeskLook {
  phase: string;
  funderOrganisationId: string | null;
  pledgeLeftFen: number | null;
  entryStatus: string | null;
  entryLeftFen: number | null;
  rank: number | null;
}

export type DeskRefusal = 'contest-not-found' | 'phase' | 'pledge-not-found' | 'entry-not-found' | 'entry-ranked' | 'pledge-remaining' | 'entry-need';

export interface SubscribedBody {
  id: string;
  contestId: string;
  pledgeId: string;
  entryId: string;
  funderOrganisationId: string;
  kind: SubscriptionRow['kind'];
  amountFen: number;
  createdBy: string | null;
  createdAt: string;
  pledgeRemainingFen: number;
  entrySubscribedFen: number;
  entryRemainingFen: number;
}

export type DeskOutcome =
  | { decision: 'accepted'; body: SubscribedBody }
  | { decision: DeskRefusal; look: DeskLook | null }
  | { decision: 'failed'; sqlstate: string; message: string };

/** One batch, one round trip: the function locks, decides and writes in one transaction of its own. */
export async function decideSubscriptions(db: Knex, contestId: string, requests: DeskRequest[]): Promise<DeskOutcome[]> {
  const res = await db.raw('select contest_subscribe(?::uuid, ?::jsonb) as outcomes', [contestId, JSON.stringify(requests)]);
  return res.rows[0].outcomes as DeskOutcome[];
}

export async function insertPledge(trx: Knex.Transaction, row: Pick<PledgeRow, 'contest_id' | 'funder_organisation_id' | 'kind' | 'value_fen' | 'description' | 'created_by'>): Promise<PledgeRow> {
  const [created] = await trx<PledgeRow>('contest_pledges').insert(row).returning('*');
  return created;
}

/** A pledge or a subscription of the contest, locked FOR UPDATE. */
export async function lockFundingRow<T>(trx: Knex.Transaction, table: 'contest_pledges' | 'contest_subscriptions', id: string, contestId: string): Promise<T | undefined> {
  const query = table === 'contest_pledges' ? 'select * from contest_pledges where id = ? and contest_id = ? for update' : 'select * from contest_subscriptions where id = ? and contest_id = ? for update';
  return (await trx.raw(query, [id, contestId])).rows[0] as T | undefined;
}

/** A pledge with subscriptions keeps what they drew. */
export async function shrinkPledgeToAllocated(trx: Knex.Transaction, id: string): Promise<PledgeRow> {
  return (await trx.raw('update contest_pledges set value_fen = allocated_fen where id = ? returning *', [id])).rows[0] as PledgeRow;
}

export async function deletePledge(trx: Knex.Transaction, id: string): Promise<void> {
  await trx('contest_pledges').where({ id }).delete();
}

/** Gives a cancelled subscription's amount back to its pledge and its entry, and removes it. */
export async function removeSubscription(trx: Knex.Transaction, sub: SubscriptionRow): Promise<{ pledge: PledgeRow; entry: ContestEntryRow }> {
  const pledge = (await trx.raw('update contest_pledges set allocated_fen = allocated_fen - ? where id = ? returning value_fen, allocated_fen', [sub.amount_fen, sub.pledge_id])).rows[0] as PledgeRow;
  const entry = (await trx.raw('update contest_entries set subscribed_fen = subscribed_fen - ? where id = ? returning amount_asked_fen, subscribed_fen, matching_fen', [sub.amount_fen, sub.entry_id])).rows[0] as ContestEntryRow;
  await trx('contest_subscriptions').where({ id: sub.id }).delete();
  return { pledge, entry };
}

export function pledgesQuery(db: Db, contestId: string): Knex.QueryBuilder {
  return db<PledgeRow>('contest_pledges').where('contest_id', contestId).select('contest_pledges.*');
}

export function subscriptionsQuery(db: Db, contestId: string, entryId?: string): Knex.QueryBuilder {
  const q = db<SubscriptionRow>('contest_subscriptions').where('contest_id', contestId).select('contest_subscriptions.*');
  if (entryId) q.where('entry_id', entryId);
  return q;
}

/** Subscriptions summed per entry, funder and kind. */
export async function subscriptionTotals(db: Db, contestId: string): Promise<{ entry_id: string; funder_organisation_id: string; name: string; kind: 'cash' | 'goods' | 'services'; amount: string }[]> {
  return db('contest_subscriptions as s')
    .join('organisations as o', 'o.id', 's.funder_organisation_id')
    .where('s.contest_id', contestId)
    .groupBy('s.entry_id', 's.funder_organisation_id', 'o.name', 's.kind')
    .orderBy(['s.entry_id', 's.kind', 's.funder_organisation_id'])
    .select('s.entry_id', 's.funder_organisation_id', 'o.name', 's.kind')
    .sum({ amount: 's.amount_fen' });
}

/** Pledges summed per funder and kind. */
export async function pledgeTotals(db: Db, contestId: string): Promise<{ funder_organisation_id: string; name: string; kind: string; value: string; allocated: string }[]> {
  return db('contest_pledges as pl')
    .join('organisations as o', 'o.id', 'pl.funder_organisation_id')
    .where('pl.contest_id', contestId)
    .groupBy('pl.funder_organisation_id', 'o.name', 'pl.kind')
    .orderBy(['pl.funder_organisation_id', 'pl.kind'])
    .select('pl.funder_organisation_id', 'o.name', 'pl.kind')
    .sum({ value: 'pl.value_fen', allocated: 'pl.allocated_fen' });
}
