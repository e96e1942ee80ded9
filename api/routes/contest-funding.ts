import type { Knex } from 'knex';
import { writeAudit } from '../../db/repositories/audit';
import { fen, toPledge, toSubscription, type ContestEntryRow, type ContestRow, type FundingSource, type PledgeRow, type SubscriptionRow } from '../../db/repositories/contests';
import { fenToYuan, toCsv, type CsvCell } from '../../workflows/contest-rules/csv';
import type { Principal } from '../auth';
import { hasRole } from '../auth';
import { requirePhase, runsContest, shareContest, visibleContest } from '../contest-service';
import { BusinessRuleError, NotFoundError } from '../errors';
import { keysetPage } from '../paging';
import type { RouteRegistry } from '../registry';

/** Pledges are taken from the moment entries open until the awards are decided. */
const PLEDGE_PHASES = ['open', 'screening', 'judging', 'results', 'funding'];

function funderOrganisation(user: Principal): string {
  if (!user.organisationId) throw new BusinessRuleError([{ field: '/user/organisationId', rule: 'funder-organisation', message: 'a funder account must belong to its organisation (company, foundation...)' }]);
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
  trx: Knex.Transaction, table: 'contest_pledges' | 'contest_subscriptions', id: string, user: Principal, c: ContestRow, what: string,
): Promise<T> {
  const row = (await trx.raw(`select * from ${table} where id = ? and contest_id = ? for update`, [id, c.id])).rows[0] as T | undefined;
  if (!row || (!runsContest(user, c) && row.funder_organisation_id !== user.organisationId)) throw new NotFoundError(what);
  return row;
}

const KIND_ZH: Record<string, string> = { cash: '资金 cash', goods: '物资 goods', services: '服务 services', government: '政府配套 government matching' };
const STATUS_ZH: Record<string, string> = { entered: '参赛 entered', awarded: '获资助 awarded', not_awarded: '未获资助 not awarded' };

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
}

/**
 * Ranking and funding together: one row per ranked entry with who gave what, and totals per funder, per track and
 * per kind of support. Funders see the other funders' totals only as part of each entry's funding, not per funder.
 */
async function results(db: Knex, user: Principal, c: ContestRow) {
  const organiser = runsContest(user, c);
  if (!c.final_ranking_id || (!organiser && !c.published_at)) throw new NotFoundError('results (the ranking is not published yet)');
  const rows = (await db('contest_ranking_entries as r')
    .join('contest_entries as e', 'e.id', 'r.entry_id')
    .join('projects as p', 'p.id', 'e.project_id')
    .join('organisations as o', 'o.id', 'e.organisation_id')
    .where('r.ranking_id', c.final_ranking_id)
    .orderBy('r.rank')
    .select('r.rank', 'r.track_rank', 'r.track_key', 'r.score', 'e.*', 'p.title', 'o.name as organisation_name')) as (ContestEntryRow & { rank: number; track_rank: number; score: string; title: string; organisation_name: string })[];
  const subs = (await db('contest_subscriptions as s')
    .join('organisations as o', 'o.id', 's.funder_organisation_id')
    .where('s.contest_id', c.id)
    .groupBy('s.entry_id', 's.funder_organisation_id', 'o.name', 's.kind')
    .orderBy(['s.entry_id', 's.kind', 's.funder_organisation_id'])
    .select('s.entry_id', 's.funder_organisation_id', 'o.name', 's.kind')
    .sum({ amount: 's.amount_fen' })) as { entry_id: string; funder_organisation_id: string; name: string; kind: 'cash' | 'goods' | 'services'; amount: string }[];
  const pledges = (await db('contest_pledges as pl')
    .join('organisations as o', 'o.id', 'pl.funder_organisation_id')
    .where('pl.contest_id', c.id)
    .groupBy('pl.funder_organisation_id', 'o.name', 'pl.kind')
    .orderBy(['pl.funder_organisation_id', 'pl.kind'])
    .select('pl.funder_organisation_id', 'o.name', 'pl.kind')
    .sum({ value: 'pl.value_fen', allocated: 'pl.allocated_fen' })) as { funder_organisation_id: string; name: string; kind: string; value: string; allocated: string }[];

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
      remainingNeedFen: asked - subscribed - matching, funding,
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
  const byKind: Record<string, number> = { cash: 0, goods: 0, services: 0, government: 0 };
  for (const s of subs) byKind[s.kind] += Number(s.amount);
  byKind.government = entries.reduce((sum, e) => sum + e.matchingFen, 0);
  const pledgedFen = pledges.reduce((s, p) => s + Number(p.value), 0);
  const subscribedFen = entries.reduce((s, e) => s + e.subscribedFen, 0);
  const matchingFen = byKind.government;
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
      },
      byFunder: funders,
      byTrack,
      byKind,
    },
  };
}

export function registerContestFundingRoutes(registry: RouteRegistry): void {
  registry.add({
    method: 'post',
    path: '/api/v1/contests/:id/pledges',
    operationId: 'contestPledges.create',
    summary: "Pledge cash, goods or services to the contest, valued in fen (the funder's organisation)",
    tag: 'contests',
    access: ['funder'],
    status: 201,
    handler: async ({ params, body, user, deps, requestId }) => {
      const input = body as { kind: 'cash' | 'goods' | 'services'; valueFen: number; description?: string };
      const org = funderOrganisation(user);
      const c = await visibleContest(deps.db, user, params.id);
      const row = await deps.db.transaction(async (trx) => {
        const locked = await shareContest(trx, c.id);
        requirePhase(locked, PLEDGE_PHASES, 'pledge');
        const [created] = await trx<PledgeRow>('contest_pledges')
          .insert({ contest_id: c.id, funder_organisation_id: org, kind: input.kind, value_fen: input.valueFen, description: input.description ?? '', created_by: user.id })
          .returning('*');
        await writeAudit(trx, { actorId: user.id, action: 'pledge', objectType: 'contest', objectId: c.id, after: toPledge(created), requestId });
        return created;
      });
      return { status: 201, body: toPledge(row) };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/contests/:id/pledges/:pledgeId/withdraw',
    operationId: 'contestPledges.withdraw',
    summary: "Withdraw what is left of a pledge before the award: its value comes down to what is already subscribed, or the pledge goes if nothing is (the funder's organisation, or an organiser)",
    tag: 'contests',
    access: ['funder', 'organiser', 'admin'],
    handler: async ({ params, body, user, deps, requestId }) => {
      const c = await visibleContest(deps.db, user, params.id);
      const reason = (body as { reason?: string } | undefined)?.reason ?? null;
      const done = await deps.db.transaction(async (trx) => {
        // The funding desk's lock order: the contest FOR SHARE, then the pledge.
        requirePhase(await shareContest(trx, c.id), PLEDGE_PHASES, 'withdraw a pledge');
        const before = await lockFunderRow<PledgeRow>(trx, 'contest_pledges', params.pledgeId, user, c, 'pledge');
        const allocated = fen(before.allocated_fen);
        const withdrawnFen = fen(before.value_fen) - allocated;
        if (withdrawnFen === 0) {
          throw new BusinessRuleError([{ field: '/params/pledgeId', rule: 'pledge-fully-subscribed', message: 'nothing is left to withdraw: the whole pledge is subscribed (cancel subscriptions first)' }]);
        }
        // A pledge with subscriptions keeps what they drew; one without any goes.
        const after = allocated > 0
          ? ((await trx.raw('update contest_pledges set value_fen = allocated_fen where id = ? returning *', [before.id])).rows[0] as PledgeRow)
          : null;
        if (!after) await trx('contest_pledges').where({ id: before.id }).delete();
        await writeAudit(trx, { actorId: user.id, action: 'withdraw_pledge', objectType: 'contest', objectId: c.id, before: toPledge(before), after: { pledge: after && toPledge(after), withdrawnFen, reason }, requestId });
        return { pledge: toPledge(after ?? before), withdrawnFen, removed: !after };
      });
      return { body: done };
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/contests/:id/pledges',
    operationId: 'contestPledges.list',
    summary: "Pledges with what is left of each: a funder sees its own organisation's, organisers all",
    tag: 'contests',
    access: ['funder', 'organiser', 'admin'],
    handler: async ({ params, query, user, deps }) => {
      const c = await visibleContest(deps.db, user, params.id);
      const q = scopeToFunder(deps.db<PledgeRow>('contest_pledges').where('contest_id', c.id).select('contest_pledges.*'), user, c, 'funder_organisation_id', query.funderOrganisationId);
      return { body: await keysetPage(deps.db, q, { limit: query.limit, cursor: query.cursor, table: 'contest_pledges' }, toPledge) };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/contests/:id/subscriptions',
    operationId: 'contestSubscriptions.create',
    summary: 'Subscribe (认购) a ranked entry with an amount drawn from one of your pledges; never past what the pledge has left nor past what the entry still needs (422 says how much is left)',
    tag: 'contests',
    access: ['funder'],
    status: 201,
    handler: async ({ params, body, user, deps, requestId }) => {
      const input = body as { pledgeId: string; entryId: string; amountFen: number };
      const org = funderOrganisation(user);
      // Decided with the other subscriptions to this contest arriving at the same time (see SubscriptionDesk).
      const done = await deps.subscriptions!.subscribe({ contestId: params.id, pledgeId: input.pledgeId, entryId: input.entryId, amountFen: input.amountFen, funderOrganisationId: org, userId: user.id, requestId });
      return {
        status: 201,
        body: { ...toSubscription(done.row), pledgeRemainingFen: done.pledgeRemainingFen, entrySubscribedFen: done.entrySubscribedFen, entryRemainingFen: done.entryRemainingFen },
      };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/contests/:id/subscriptions/:subscriptionId/cancel',
    operationId: 'contestSubscriptions.cancel',
    summary: "Cancel a subscription while the contest is in funding: its amount goes back to the pledge and the entry needs it again (the funder's organisation, or an organiser)",
    tag: 'contests',
    access: ['funder', 'organiser', 'admin'],
    handler: async ({ params, body, user, deps, requestId }) => {
      const c = await visibleContest(deps.db, user, params.id);
      const reason = (body as { reason?: string } | undefined)?.reason ?? null;
      const done = await deps.db.transaction(async (trx) => {
        // The same lock order as the funding desk: the contest FOR SHARE, then the pledge, then the entry.
        requirePhase(await shareContest(trx, c.id), ['funding'], 'cancel a subscription');
        const sub = await lockFunderRow<SubscriptionRow>(trx, 'contest_subscriptions', params.subscriptionId, user, c, 'subscription');
        const pledge = (await trx.raw('update contest_pledges set allocated_fen = allocated_fen - ? where id = ? returning value_fen, allocated_fen', [sub.amount_fen, sub.pledge_id])).rows[0] as PledgeRow;
        const entry = (await trx.raw('update contest_entries set subscribed_fen = subscribed_fen - ? where id = ? returning amount_asked_fen, subscribed_fen, matching_fen', [sub.amount_fen, sub.entry_id])).rows[0] as ContestEntryRow;
        await trx('contest_subscriptions').where({ id: sub.id }).delete();
        await writeAudit(trx, { actorId: user.id, action: 'unsubscribe', objectType: 'contest_entry', objectId: sub.entry_id, before: toSubscription(sub), after: { reason }, requestId });
        return { sub, pledge, entry };
      });
      return {
        body: {
          ...toSubscription(done.sub),
          cancelled: true,
          pledgeRemainingFen: fen(done.pledge.value_fen) - fen(done.pledge.allocated_fen),
          entrySubscribedFen: fen(done.entry.subscribed_fen),
          entryRemainingFen: fen(done.entry.amount_asked_fen) - fen(done.entry.subscribed_fen) - fen(done.entry.matching_fen),
        },
      };
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/contests/:id/subscriptions',
    operationId: 'contestSubscriptions.list',
    summary: "Subscriptions: a funder sees its own organisation's, organisers all",
    tag: 'contests',
    access: ['funder', 'organiser', 'admin'],
    handler: async ({ params, query, user, deps }) => {
      const c = await visibleContest(deps.db, user, params.id);
      const q = scopeToFunder(deps.db<SubscriptionRow>('contest_subscriptions').where('contest_id', c.id).select('contest_subscriptions.*'), user, c, 'funder_organisation_id', query.funderOrganisationId);
      if (query.entryId) q.where('entry_id', query.entryId);
      return { body: await keysetPage(deps.db, q, { limit: query.limit, cursor: query.cursor, table: 'contest_subscriptions' }, toSubscription) };
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/contests/:id/results',
    operationId: 'contestResults.get',
    summary: 'Ranking and funding: each ranked entry with who gave what, totals per funder, per track and per kind of support',
    tag: 'contests',
    access: 'authenticated',
    handler: async ({ params, user, deps }) => {
      const c = await visibleContest(deps.db, user, params.id);
      return { body: await results(deps.db, user, c) };
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/contests/:id/results.csv',
    operationId: 'contestResults.export',
    summary: 'Ranking (one row per ranked entry) or funding (one row per funder, kind and entry) as CSV that opens in a spreadsheet with the Chinese intact (UTF-8 with BOM)',
    tag: 'contests',
    access: 'authenticated',
    produces: 'text/csv',
    handler: async ({ params, query, user, deps }) => {
      const c = await visibleContest(deps.db, user, params.id);
      const r = await results(deps.db, user, c);
      let csv: string;
      if (query.table === 'funding') {
        const rows: CsvCell[][] = [];
        for (const e of r.entries) {
          for (const f of e.funding) rows.push([e.rank, e.title, e.organisationName, e.trackName, f.name, KIND_ZH[f.kind] ?? f.kind, fenToYuan(f.valueFen), f.valueFen]);
        }
        csv = toCsv(['排名 Rank', '项目 Project', '申报机构 Organisation', '赛道 Track', '出资方 Funder', '类型 Kind', '金额(元) Amount (yuan)', '金额(分) Amount (fen)'], rows);
      } else {
        csv = toCsv(
          ['排名 Rank', '赛道排名 Track rank', '赛道 Track', '项目 Project', '申报机构 Organisation', '得分 Score', '申请金额(元) Asked (yuan)', '认购(元) Subscribed (yuan)', '配套(元) Matching (yuan)', '合计(元) Total (yuan)', '状态 Status'],
          r.entries.map((e) => [e.rank, e.trackRank, e.trackName, e.title, e.organisationName, e.score, fenToYuan(e.amountAskedFen), fenToYuan(e.subscribedFen), fenToYuan(e.matchingFen), fenToYuan(e.totalFen), STATUS_ZH[e.status] ?? e.status]),
        );
      }
      return { raw: { contentType: 'text/csv; charset=utf-8', data: csv, filename: `contest-${c.id}-${query.table}.csv` } };
    },
  });
}
