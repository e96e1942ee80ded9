// The funding side of a contest: funders pledge (认捐) cash, goods or services, subscribe (认购) ranked entries from
// their pledges through the funding desk, cancel and withdraw; everyone reads the results. The only place where the
// funding routes meet SQL (through db/repositories) and the desk.
import type { Knex } from 'knex';
import { isMessageKey, t, type Language, type MessageKey } from '../../i18n';
import { writeAudit } from '../../db/repositories/audit';
import { rankingEntries } from '../../db/repositories/contest-judging';
import { fen, toPledge, toSubscription, type ContestRow, type FundingSource, type PledgeRow, type RescopingStatus, type SubscriptionRow } from '../../db/repositories/contests';
import {
  deletePledge, insertPledge, lockFundingRow, pledgeTotals, pledgesQuery, removeSubscription, shrinkPledgeToAllocated, subscriptionTotals, subscriptionsQuery,
} from '../../db/repositories/funding';
import type { Principal } from '../auth';
import { hasRole } from '../auth';
import { requirePhase, runsContest, shareContest, visibleContest } from '../contests/service';
import { BusinessRuleError, NotFoundError, type Noun, says } from '../errors';
import { keysetPage, type Page } from '../paging';
import { fenToYuan, toCsv, type CsvCell } from './csv';
import type { SubscriptionDesk, Subscribed } from './desk';

/** Pledges are taken from the moment entries open until the awards are decided. */
const PLEDGE_PHASES = ['open', 'screening', 'judging', 'results', 'funding'];

type Pledge = ReturnType<typeof toPledge>;
type Subscription = ReturnType<typeof toSubscription>;

function funderOrganisation(user: Principal): string {
  if (!user.organisationId) throw new BusinessRuleError([{ field: '/user/organisationId', rule: 'funder-organisation', ...says('field.funder-organisation') }]);
  return user.organisationId;
}

/** Organisers see every funder's pledges and subscriptions; a funder only its own organisation's. */
function scopeToFunder(q: Knex.QueryBuilder, user: Principal, c: ContestRow, column: string, requested?: string): Knex.QueryBuilder {
  if (runsContest(user, c)) return requested ? q.where(column, requested) : q;
  if (!hasRole(user, 'funder') || !user.organisationId) return q.whereRaw('false');
  return q.where(column, user.organisationId);
}

/**
 * A pledge or a subscription of the contest, locked FOR UPDATE, when the user may act on it: an organiser running
 * the contest, or the funder's own organisation. To anyone else it does not exist (404).
 */
async function lockFunderRow<T extends { funder_organisation_id: string }>(
  trx: Knex.Transaction, table: 'contest_pledges' | 'contest_subscriptions', id: string, user: Principal, c: ContestRow, what: Noun,
): Promise<T> {
  const row = await lockFundingRow<T>(trx, table, id, c.id);
  if (!row || (!runsContest(user, c) && row.funder_organisation_id !== user.organisationId)) throw new NotFoundError(what);
  return row;
}

export async function createPledge(trx: Knex.Transaction, user: Principal, requestId: string, contestId: string, input: { kind: 'cash' | 'goods' | 'services'; valueFen: number; description?: string }): Promise<Pledge> {
  const org = funderOrganisation(user);
  const c = await visibleContest(trx, user, contestId);
  requirePhase(await shareContest(trx, c.id), PLEDGE_PHASES, 'pledge');
  const created = await insertPledge(trx, { contest_id: c.id, funder_organisation_id: org, kind: input.kind, value_fen: input.valueFen, description: input.description ?? '', created_by: user.id });
  await writeAudit(trx, { actorId: user.id, action: 'pledge', objectType: 'contest', objectId: c.id, after: toPledge(created), requestId });
  return toPledge(created);
}

export async function withdrawPledge(trx: Knex.Transaction, user: Principal, requestId: string, contestId: string, pledgeId: string, reason: string | null): Promise<{ pledge: Pledge; withdrawnFen: number; removed: boolean }> {
  const c = await visibleContest(trx, user, contestId);
  // The funding desk's lock order: the contest FOR SHARE, then the pledge.
  requirePhase(await shareContest(trx, c.id), PLEDGE_PHASES, 'withdraw a pledge');
  const before = await lockFunderRow<PledgeRow>(trx, 'contest_pledges', pledgeId, user, c, 'pledge');
  const allocated = fen(before.allocated_fen);
  const withdrawnFen = fen(before.value_fen) - allocated;
  if (withdrawnFen === 0) {
    throw new BusinessRuleError([{ field: '/params/pledgeId', rule: 'pledge-fully-subscribed', ...says('field.pledge-fully-subscribed') }]);
  }
  // A pledge with subscriptions keeps what they drew; one without any goes.
  const after = allocated > 0 ? await shrinkPledgeToAllocated(trx, before.id) : null;
  if (!after) await deletePledge(trx, before.id);
  await writeAudit(trx, { actorId: user.id, action: 'withdraw_pledge', objectType: 'contest', objectId: c.id, before: toPledge(before), after: { pledge: after && toPledge(after), withdrawnFen, reason }, requestId });
  return { pledge: toPledge(after ?? before), withdrawnFen, removed: !after };
}

export async function listPledges(db: Knex, user: Principal, contestId: string, query: { limit: number; cursor?: string; funderOrganisationId?: string }): Promise<Page<Pledge>> {
  const c = await visibleContest(db, user, contestId);
  const q = scopeToFunder(pledgesQuery(db, c.id), user, c, 'funder_organisation_id', query.funderOrganisationId);
  return keysetPage(db, q, { limit: query.limit, cursor: query.cursor, table: 'contest_pledges' }, toPledge);
}

/**
 * Decided with the other subscriptions to this contest arriving at the same time (see SubscriptionDesk). With an
 * Idempotency-Key, the desk writes the key's answer in the subscription's own transaction.
 */
export async function subscribe(
  desk: SubscriptionDesk, user: Principal, requestId: string, contestId: string, input: { pledgeId: string; entryId: string; amountFen: number }, scopedKey?: string,
): Promise<Subscribed> {
  const org = funderOrganisation(user);
  // The registry scopes a key to its caller as `<user id>:<key>`; the key's row is (user id, key).
  const idempotency = scopedKey?.startsWith(`${user.id}:`) ? { userId: user.id, key: scopedKey.slice(user.id.length + 1) } : undefined;
  return desk.subscribe({ contestId, ...input, funderOrganisationId: org, userId: user.id, requestId, idempotency });
}

export async function cancelSubscription(
  trx: Knex.Transaction, user: Principal, requestId: string, contestId: string, subscriptionId: string, reason: string | null,
): Promise<Subscription & { cancelled: true; pledgeRemainingFen: number; entrySubscribedFen: number; entryRemainingFen: number }> {
  const c = await visibleContest(trx, user, contestId);
  // The same lock order as the funding desk: the contest FOR SHARE, then the pledge, then the entry.
  requirePhase(await shareContest(trx, c.id), ['funding'], 'cancel a subscription');
  const sub = await lockFunderRow<SubscriptionRow>(trx, 'contest_subscriptions', subscriptionId, user, c, 'subscription');
  const { pledge, entry } = await removeSubscription(trx, sub);
  await writeAudit(trx, { actorId: user.id, action: 'unsubscribe', objectType: 'contest_entry', objectId: sub.entry_id, before: toSubscription(sub), after: { reason }, requestId });
  return {
    ...toSubscription(sub),
    cancelled: true,
    pledgeRemainingFen: fen(pledge.value_fen) - fen(pledge.allocated_fen),
    entrySubscribedFen: fen(entry.subscribed_fen),
    entryRemainingFen: fen(entry.amount_asked_fen) - fen(entry.subscribed_fen) - fen(entry.matching_fen),
  };
}

export async function listSubscriptions(db: Knex, user: Principal, contestId: string, query: { limit: number; cursor?: string; entryId?: string; funderOrganisationId?: string }): Promise<Page<Subscription>> {
  const c = await visibleContest(db, user, contestId);
  const q = scopeToFunder(subscriptionsQuery(db, c.id, query.entryId), user, c, 'funder_organisation_id', query.funderOrganisationId);
  return keysetPage(db, q, { limit: query.limit, cursor: query.cursor, table: 'contest_subscriptions' }, toSubscription);
}

/** A catalogue text for a code (`<prefix><code>`), the code itself when the catalogue has none. */
const textOf = (lang: Language, prefix: string, code: string) => {
  const key = `${prefix}${code}`;
  return isMessageKey(key) ? t(lang, key) : code;
};
/** The status a person reads: an award declined (or not answered in time) shows as returned. */
const statusOf = (e: ResultRow) => (e.returnedFen > 0 ? 'returned' : e.status);

interface ResultRow {
  rank: number;
  trackRank: number;
  trackKey: string;
  trackName: string;
  entryId: string;
  projectId: string;
  title: string;
  organisationId: string;
  organisationName: string;
  score: number;
  status: string;
  amountAskedFen: number;
  subscribedFen: number;
  matchingFen: number;
  totalFen: number;
  remainingNeedFen: number;
  funding: FundingSource[];
  rescoping: RescopingStatus | null;
  returnedFen: number;
}

/**
 * Ranking and funding together: one row per ranked entry with who gave what, and totals per funder, per track and
 * per kind of support. Funders see the other funders' totals only as part of each entry's funding, not per funder.
 */
export async function contestResults(db: Knex, user: Principal, contestId: string) {
  const c = await visibleContest(db, user, contestId);
  const organiser = runsContest(user, c);
  if (!c.final_ranking_id || (!organiser && !c.published_at)) throw new NotFoundError('results-unpublished');
  const rows = await rankingEntries(db, c.final_ranking_id);
  const subs = await subscriptionTotals(db, c.id);
  const pledges = await pledgeTotals(db, c.id);

  const trackName = new Map(c.settings.tracks.map((t) => [t.key, t.name]));
  const entries: ResultRow[] = rows.map((r) => {
    const subscribed = fen(r.subscribed_fen);
    const matching = fen(r.matching_fen);
    const asked = fen(r.amount_asked_fen);
    const funding: FundingSource[] = r.funding_sources ?? [
      ...subs.filter((s) => s.entry_id === r.id).map((s) => ({ funderOrganisationId: s.funder_organisation_id, name: s.name, kind: s.kind, valueFen: Number(s.amount) })),
    ];
    return {
      rank: r.rank, trackRank: r.track_rank, trackKey: r.track_key, trackName: trackName.get(r.track_key) ?? r.track_key,
      entryId: r.id, projectId: r.project_id, title: r.title, organisationId: r.organisation_id, organisationName: r.organisation_name,
      score: Number(r.score), status: r.status, amountAskedFen: asked, subscribedFen: subscribed, matchingFen: matching, totalFen: subscribed + matching,
      remainingNeedFen: asked - subscribed - matching, funding, rescoping: r.rescoping_status ?? null, returnedFen: fen(r.returned_fen),
    };
  });

  const byFunder = new Map<string, { funderOrganisationId: string; name: string; pledgedFen: number; subscribedFen: number; remainingFen: number; byKind: Record<string, { pledgedFen: number; subscribedFen: number }> }>();
  for (const p of pledges) {
    const f = byFunder.get(p.funder_organisation_id) ?? { funderOrganisationId: p.funder_organisation_id, name: p.name, pledgedFen: 0, subscribedFen: 0, remainingFen: 0, byKind: {} };
    f.pledgedFen += Number(p.value);
    f.subscribedFen += Number(p.allocated);
    f.remainingFen = f.pledgedFen - f.subscribedFen;
    f.byKind[p.kind] = { pledgedFen: Number(p.value), subscribedFen: Number(p.allocated) };
    byFunder.set(p.funder_organisation_id, f);
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const funders = [...byFunder.values()]
    .filter((f) => organiser || f.funderOrganisationId === user.organisationId)
    .sort((a, b) => cmp(a.name, b.name) || cmp(a.funderOrganisationId, b.funderOrganisationId));
  const byTrack = c.settings.tracks.map((t) => {
    const own = entries.filter((e) => e.trackKey === t.key);
    return {
      trackKey: t.key, name: t.name, ranked: own.length, subscribedEntries: own.filter((e) => e.subscribedFen > 0).length, awardedEntries: own.filter((e) => e.status === 'awarded').length,
      askedFen: own.reduce((s, e) => s + e.amountAskedFen, 0), subscribedFen: own.reduce((s, e) => s + e.subscribedFen, 0),
      matchingFen: own.reduce((s, e) => s + e.matchingFen, 0), totalFen: own.reduce((s, e) => s + e.totalFen, 0),
    };
  });
  const byKind = { cash: 0, goods: 0, services: 0, government: 0 };
  for (const s of subs) byKind[s.kind] += Number(s.amount);
  byKind.government = entries.reduce((sum, e) => sum + e.matchingFen, 0);
  const pledgedFen = pledges.reduce((s, p) => s + Number(p.value), 0);
  const subscribedFen = entries.reduce((s, e) => s + e.subscribedFen, 0);
  const matchingFen = byKind.government;
  const returnedFen = entries.reduce((s, e) => s + e.returnedFen, 0);
  return {
    contestId: c.id,
    name: c.name,
    phase: c.phase,
    rankingId: c.final_ranking_id,
    publishedAt: c.published_at?.toISOString() ?? null,
    matchingRule: 'The matching pool tops up entries in rank order: first entries with a subscription, then the others, each by the least of the cap per entry, what it still needs and what is left in the pool, until the pool is spent.',
    entries,
    totals: {
      overall: {
        rankedEntries: entries.length,
        subscribedEntries: entries.filter((e) => e.subscribedFen > 0).length,
        awardedEntries: entries.filter((e) => e.status === 'awarded').length,
        funders: byFunder.size,
        pledgedFen: organiser ? pledgedFen : null,
        subscribedFen,
        matchingFen,
        matchingPoolFen: c.settings.matchingPoolFen,
        totalFen: subscribedFen + matchingFen,
        returnedFen,
        fundedFen: subscribedFen + matchingFen - returnedFen,
      },
      byFunder: funders,
      byTrack,
      byKind,
    },
  };
}


/** The results as CSV: the ranking (one row per ranked entry) or the funding (one row per funder, kind and entry). */
export async function contestResultsCsv(db: Knex, user: Principal, contestId: string, table: 'ranking' | 'funding', lang: Language): Promise<{ csv: string; filename: string }> {
  const r = await contestResults(db, user, contestId);
  const header = (keys: MessageKey[]) => keys.map((k) => t(lang, k));
  let csv: string;
  if (table === 'funding') {
    const rows: CsvCell[][] = [];
    for (const e of r.entries) {
      for (const f of e.funding) rows.push([e.rank, e.title, e.organisationName, e.trackName, f.name, textOf(lang, 'funding.kind.', f.kind), fenToYuan(f.valueFen), f.valueFen]);
    }
    csv = toCsv(header(['csv.rank', 'csv.project', 'csv.organisation', 'csv.track', 'csv.funder', 'csv.kind', 'csv.amount-yuan', 'csv.amount-fen']), rows);
  } else {
    csv = toCsv(
      header(['csv.rank', 'csv.track-rank', 'csv.track', 'csv.project', 'csv.organisation', 'csv.score', 'csv.asked-yuan', 'csv.subscribed-yuan', 'csv.matching-yuan', 'csv.total-yuan', 'csv.status']),
      r.entries.map((e) => [e.rank, e.trackRank, e.trackName, e.title, e.organisationName, e.score, fenToYuan(e.amountAskedFen), fenToYuan(e.subscribedFen), fenToYuan(e.matchingFen), fenToYuan(e.totalFen), textOf(lang, 'contest.entry-status.', statusOf(e))]),
    );
  }
  return { csv, filename: `contest-${r.contestId}-${table}.csv` };
}
