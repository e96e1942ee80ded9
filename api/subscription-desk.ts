import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { fen, toSubscription, type ContestRow, type SubscriptionRow } from '../db/repositories/contests';
import { fenToYuan } from '../workflows/contest-rules/csv';
import { requirePhase } from './contest-service';
import { BusinessRuleError, NotFoundError } from './errors';

/** One funder's subscription (认购) as the API received it. */
export interface SubscriptionRequest {
  contestId: string;
  pledgeId: string;
  entryId: string;
  amountFen: number;
  funderOrganisationId: string;
  userId: string;
  requestId: string;
}

export interface Subscribed {
  row: SubscriptionRow;
  /** The pledge and the entry right after this subscription. */
  pledgeRemainingFen: number;
  entrySubscribedFen: number;
  entryRemainingFen: number;
}

/** What a subscription is checked against: the contest's phase, the pledge and the entry, as they stand. */
export interface SubscriptionLook {
  phase: string;
  funderOrganisationId: string | null;
  pledgeLeftFen: number | null;
  entryStatus: string | null;
  entryLeftFen: number | null;
  rank: number | null;
}

/** Every reason to refuse a subscription, in the order a caller should hear them. */
export function checkSubscription(look: SubscriptionLook | undefined, amountFen: number, org: string): void {
  // A draft is invisible to funders; a pledge of another funder is not theirs to see.
  if (!look || look.phase === 'draft') throw new NotFoundError('contest');
  requirePhase({ phase: look.phase as ContestRow['phase'] }, ['funding'], 'subscribe');
  if (look.funderOrganisationId !== org) throw new NotFoundError('pledge');
  if (look.entryStatus === null) throw new NotFoundError('entry');
  if (look.entryStatus !== 'entered' || look.rank === null) {
    throw new BusinessRuleError([{ field: '/body/entryId', rule: 'entry-ranked', message: 'only entries in the published ranking can be subscribed' }]);
  }
  const pledgeLeft = look.pledgeLeftFen ?? 0;
  const entryLeft = look.entryLeftFen ?? 0;
  const left = { pledgeRemainingFen: pledgeLeft, entryRemainingFen: entryLeft };
  if (amountFen > pledgeLeft) {
    throw new BusinessRuleError(
      [{ field: '/body/amountFen', rule: 'pledge-remaining', message: `the pledge has ${pledgeLeft} fen (${fenToYuan(pledgeLeft)} yuan) left` }],
      undefined, { remainingFen: pledgeLeft, ...left },
    );
  }
  if (amountFen > entryLeft) {
    throw new BusinessRuleError(
      [{ field: '/body/amountFen', rule: 'entry-need', message: `the entry still needs ${entryLeft} fen (${fenToYuan(entryLeft)} yuan)` }],
      undefined, { remainingFen: entryLeft, ...left },
    );
  }
}

interface Pending {
  req: SubscriptionRequest;
  resolve: (s: Subscribed) => void;
  reject: (e: unknown) => void;
}

/** PostgreSQL's deadlock and serialisation failures: the whole batch rolled back and may simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 3;

/**
 * The funding desk: subscriptions to one contest are decided in batches (group commit), one batch at a time per
 * contest and API process. Every funder racing for the same entries would otherwise queue on the same row locks,
 * one transaction and one WAL flush each; here the requests that arrive while a batch is being written form the next
 * batch, which locks its pledges and entries once (in id order: pledges, then entries, so batches from several API
 * processes queue and never deadlock), checks each request in arrival order against the running totals with the
 * same rules as ever, and writes every accepted subscription, both running totals and the audit rows in one
 * transaction. A refused request is refused alone; the batch's transaction failing fails each of its requests,
 * and nothing of it is written.
 */
export class SubscriptionDesk {
  private readonly queues = new Map<string, Pending[]>();
  private readonly maxBatch: number;
  private readonly onBatch?: (size: number, seconds: number) => void;

  /** `onBatch` hears each batch's size and time (the metrics); `maxBatch` caps a batch. */
  constructor(
    private readonly db: Knex,
    opts: { maxBatch?: number; onBatch?: (size: number, seconds: number) => void } = {},
  ) {
    this.maxBatch = opts.maxBatch ?? 500;
    this.onBatch = opts.onBatch;
  }

  subscribe(req: SubscriptionRequest): Promise<Subscribed> {
    return new Promise<Subscribed>((resolve, reject) => {
      const queued = this.queues.get(req.contestId);
      if (queued) {
        queued.push({ req, resolve, reject });
        return;
      }
      const queue: Pending[] = [{ req, resolve, reject }];
      this.queues.set(req.contestId, queue);
      void this.drain(req.contestId, queue);
    });
  }

  private async drain(contestId: string, queue: Pending[]): Promise<void> {
    try {
      // Let the requests already read off the sockets in this turn of the event loop join the first batch.
      await new Promise((r) => setImmediate(r));
      while (queue.length) {
        const batch = queue.splice(0, this.maxBatch);
        const t0 = performance.now();
        try {
          const outcomes = await this.decide(contestId, batch.map((p) => p.req));
          batch.forEach((p, i) => {
            const o = outcomes[i];
            if ('row' in o) p.resolve(o);
            else p.reject(o.error);
          });
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
        try {
          this.onBatch?.(batch.length, (performance.now() - t0) / 1000);
        } catch {
          // Metrics never stop the desk.
        }
      }
    } finally {
      // Whatever happens, no request is left waiting on a desk that has stopped draining.
      this.queues.delete(contestId);
      for (const p of queue.splice(0)) p.reject(new Error('the funding desk stopped before deciding this subscription'));
    }
  }

  private async decide(contestId: string, reqs: SubscriptionRequest[]): Promise<(Subscribed | { error: unknown })[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await decideBatch(this.db, contestId, reqs);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (attempt >= MAX_ATTEMPTS || !code || !RETRYABLE.has(code)) throw err;
      }
    }
  }
}

interface PledgeState {
  funder_organisation_id: string;
  kind: SubscriptionRow['kind'];
  value_fen: number;
  allocated_fen: number;
}

interface EntryState {
  status: string;
  amount_asked_fen: number;
  subscribed_fen: number;
  matching_fen: number;
  rank: number | null;
}

/** The node-postgres connection under knex: multi-statement text (the simple query protocol) and literal escaping. */
interface PgConnection {
  query(sql: string): Promise<PgResult | PgResult[]>;
  escapeLiteral(value: string): string;
}
interface PgResult {
  rows: Record<string, unknown>[];
}

/**
 * One batch in one transaction, in two round trips to PostgreSQL: BEGIN and the locking reads, then the writes and
 * COMMIT. Under load the API's event loop is busy with HTTP, and every round trip waits its turn there, so the batch
 * is sent as few times as it can be: statement text with every value escaped as a literal (the simple query protocol
 * takes several statements at once, where bound parameters would take one). The answers come back in request order.
 */
async function decideBatch(db: Knex, contestId: string, reqs: SubscriptionRequest[]): Promise<(Subscribed | { error: unknown })[]> {
  const conn = (await db.client.acquireConnection()) as PgConnection;
  let open = false;
  try {
    const lit = (v: string) => conn.escapeLiteral(v);
    const ids = (values: string[]) => `array[${[...new Set(values)].map(lit).join(',')}]::uuid[]`;
    open = true;
    // The contest FOR SHARE (phase moves lock it FOR NO KEY UPDATE, so it cannot leave funding under us), then its
    // pledges and its entries FOR UPDATE in id order, pledges first: batches of several API processes queue, and
    // never deadlock. now() is the transaction's time, the created_at of every subscription it writes.
    const read = (await conn.query(
      `begin;
       select phase, final_ranking_id, now() as at from contests where id = ${lit(contestId)} for share;
       select id, funder_organisation_id, kind, value_fen, allocated_fen from contest_pledges
         where contest_id = ${lit(contestId)} and id = any(${ids(reqs.map((r) => r.pledgeId))}) order by id for update;
       select e.id, e.status, e.amount_asked_fen, e.subscribed_fen, e.matching_fen, r.rank from contest_entries e
         join contests c on c.id = e.contest_id
         left join contest_ranking_entries r on r.entry_id = e.id and r.ranking_id = c.final_ranking_id
         where e.contest_id = ${lit(contestId)} and e.id = any(${ids(reqs.map((r) => r.entryId))}) order by e.id for update of e;`,
    )) as PgResult[];
    const contest = read[1].rows[0] as { phase: string; final_ranking_id: string | null; at: Date } | undefined;
    const pledges = new Map<string, PledgeState>();
    for (const p of read[2].rows as unknown as (PledgeState & { id: string })[]) {
      pledges.set(p.id, { ...p, value_fen: fen(p.value_fen), allocated_fen: fen(p.allocated_fen) });
    }
    const entries = new Map<string, EntryState>();
    for (const e of read[3].rows as unknown as (EntryState & { id: string })[]) {
      entries.set(e.id, { ...e, amount_asked_fen: fen(e.amount_asked_fen), subscribed_fen: fen(e.subscribed_fen), matching_fen: fen(e.matching_fen) });
    }

    // Each request in arrival order, against the totals as the requests before it in this batch left them.
    const accepted: { i: number; row: SubscriptionRow; requestId: string; after: Omit<Subscribed, 'row'> }[] = [];
    const outcomes: (Subscribed | { error: unknown } | null)[] = reqs.map((req, i) => {
      const pledge = pledges.get(req.pledgeId);
      const entry = entries.get(req.entryId);
      const look: SubscriptionLook | undefined = contest && {
        phase: contest.phase,
        funderOrganisationId: pledge?.funder_organisation_id ?? null,
        pledgeLeftFen: pledge ? pledge.value_fen - pledge.allocated_fen : null,
        entryStatus: entry?.status ?? null,
        entryLeftFen: entry ? entry.amount_asked_fen - entry.subscribed_fen - entry.matching_fen : null,
        rank: entry?.rank ?? null,
      };
      try {
        checkSubscription(look, req.amountFen, req.funderOrganisationId);
      } catch (error) {
        return { error };
      }
      const p = pledge!;
      const e = entry!;
      p.allocated_fen += req.amountFen;
      e.subscribed_fen += req.amountFen;
      const row: SubscriptionRow = {
        id: crypto.randomUUID(), contest_id: contestId, pledge_id: req.pledgeId, entry_id: req.entryId, funder_organisation_id: req.funderOrganisationId,
        kind: p.kind, amount_fen: req.amountFen, created_by: req.userId, created_at: contest!.at,
      };
      // What the funder is told is left: the pledge and the entry right after its own subscription.
      const after = { pledgeRemainingFen: p.value_fen - p.allocated_fen, entrySubscribedFen: e.subscribed_fen, entryRemainingFen: e.amount_asked_fen - e.subscribed_fen - e.matching_fen };
      accepted.push({ i, row, requestId: req.requestId, after });
      return null; // answered once written
    });

    if (accepted.length === 0) {
      await conn.query('commit');
      open = false;
      return outcomes as { error: unknown }[];
    }
    // Every accepted subscription, both running totals and the audit rows in one statement; the CHECK constraints on
    // the totals (a pledge never past its value, an entry never past its amount asked) stand behind the checks above.
    const input = JSON.stringify(accepted.map((a) => ({
      id: a.row.id, pledge_id: a.row.pledge_id, entry_id: a.row.entry_id, funder_organisation_id: a.row.funder_organisation_id,
      kind: a.row.kind, amount_fen: a.row.amount_fen, created_by: a.row.created_by, request_id: a.requestId, after: toSubscription(a.row),
    })));
    await conn.query(
      `with input as (
         select * from jsonb_to_recordset(${lit(input)}::jsonb)
           as x(id uuid, pledge_id uuid, entry_id uuid, funder_organisation_id uuid, kind text, amount_fen bigint, created_by uuid, request_id text, after jsonb)),
       subscriptions as (
         insert into contest_subscriptions (id, contest_id, pledge_id, entry_id, funder_organisation_id, kind, amount_fen, created_by)
         select id, ${lit(contestId)}, pledge_id, entry_id, funder_organisation_id, kind, amount_fen, created_by from input),
       pledge_totals as (
         update contest_pledges p set allocated_fen = p.allocated_fen + d.amount
         from (select pledge_id, sum(amount_fen) as amount from input group by pledge_id) d where p.id = d.pledge_id),
       entry_totals as (
         update contest_entries e set subscribed_fen = e.subscribed_fen + d.amount
         from (select entry_id, sum(amount_fen) as amount from input group by entry_id) d where e.id = d.entry_id)
       insert into audit_log (actor_id, action, object_type, object_id, after, request_id)
       select created_by, 'subscribe', 'contest_entry', entry_id::text, after, request_id from input;
       commit;`,
    );
    open = false;
    for (const a of accepted) outcomes[a.i] = { row: a.row, ...a.after };
    return outcomes as (Subscribed | { error: unknown })[];
  } catch (err) {
    // Whatever was begun is rolled back; a connection that cannot even do that is dropped by the pool.
    if (open) await conn.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    await db.client.releaseConnection(conn);
  }
}
