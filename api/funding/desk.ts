import type { Knex } from 'knex';
import type { ContestRow } from '../../db/repositories/contests';
import { decideSubscriptions, type DeskLook, type DeskOutcome, type SubscribedBody } from '../../db/repositories/funding';
import { fenToYuan } from './csv';
import { requirePhase } from '../contests/service';
import { BusinessRuleError, NotFoundError, says } from '../errors';

/** One funder's subscription (认购) as the API received it. */
export interface SubscriptionRequest {
  contestId: string;
  pledgeId: string;
  entryId: string;
  amountFen: number;
  funderOrganisationId: string;
  userId: string;
  requestId: string;
  /** The caller's Idempotency-Key row: its answer is written in the same transaction as the subscription. */
  idempotency?: { userId: string; key: string };
}

export type Subscribed = SubscribedBody;

/** What a subscription is checked against: the contest's phase, the pledge and the entry, as they stand. */
export type SubscriptionLook = DeskLook;

/**
 * Every reason to refuse a subscription, in the order a caller should hear them. The database function
 * contest_subscribe decides by the same rules; this is the reference it is tested against, and what turns its
 * refusals into answers.
 */
export function checkSubscription(look: SubscriptionLook | undefined | null, amountFen: number, org: string): void {
  // A draft is invisible to funders; a pledge of another funder is not theirs to see.
  if (!look || look.phase === 'draft') throw new NotFoundError('contest');
  requirePhase({ phase: look.phase as ContestRow['phase'] }, ['funding'], 'subscribe');
  if (look.funderOrganisationId !== org) throw new NotFoundError('pledge');
  if (look.entryStatus === null) throw new NotFoundError('entry');
  if (look.entryStatus !== 'entered' || look.rank === null) {
    throw new BusinessRuleError([{ field: '/body/entryId', rule: 'entry-ranked', ...says('field.entry-ranked') }]);
  }
  const pledgeLeft = look.pledgeLeftFen ?? 0;
  const entryLeft = look.entryLeftFen ?? 0;
  const left = { pledgeRemainingFen: pledgeLeft, entryRemainingFen: entryLeft };
  if (amountFen > pledgeLeft) {
    throw new BusinessRuleError(
      [{ field: '/body/amountFen', rule: 'pledge-remaining', ...says('field.pledge-remaining', { fen: pledgeLeft, yuan: fenToYuan(pledgeLeft) }) }],
      undefined, { remainingFen: pledgeLeft, ...left },
    );
  }
  if (amountFen > entryLeft) {
    throw new BusinessRuleError(
      [{ field: '/body/amountFen', rule: 'entry-need', ...says('field.entry-need', { fen: entryLeft, yuan: fenToYuan(entryLeft) }) }],
      undefined, { remainingFen: entryLeft, ...left },
    );
  }
}

/** A request the database could not write (its subtransaction failed): it fails alone, as a server error. */
export class UndecidedSubscriptionError extends Error {
  constructor(readonly sqlstate: string, message: string) {
    super(`the subscription could not be written (${sqlstate}): ${message}`);
  }
}

/** The answer (or the error) a desk outcome stands for. */
export function outcomeOf(o: DeskOutcome, req: Pick<SubscriptionRequest, 'amountFen' | 'funderOrganisationId'>): Subscribed | { error: unknown } {
  if (o.decision === 'accepted') return o.body;
  if (o.decision === 'failed') return { error: new UndecidedSubscriptionError(o.sqlstate, o.message) };
  try {
    checkSubscription(o.look, req.amountFen, req.funderOrganisationId);
  } catch (error) {
    return { error };
  }
  return { error: new Error(`the funding desk refused a subscription (${o.decision}) its reference accepts`) };
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
 * contest and API process. The requests that arrive while a batch is being decided form the next batch, which goes
 * to PostgreSQL as soon as the batch before it is decided (before that batch's answers are written), as ONE call of
 * the function contest_subscribe with bound parameters: it locks the contest, the batch's pledges and its entries in
 * one fixed order, decides each request in arrival order against the running totals, and writes the accepted
 * subscriptions with their totals, audit rows and Idempotency-Key answers in a few set-based statements. Only when
 * that write fails is the batch decided again with a subtransaction per request (migration 20261220000100): a
 * refused request is refused alone, and so is one whose write fails; the batch's call failing as a whole (the
 * connection lost) fails each of its requests, and nothing of it is written.
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
      let batch = queue.splice(0, this.maxBatch);
      let running = this.start(contestId, batch);
      while (batch.length) {
        const done = await running;
        // The requests that arrived meanwhile go to the database before this batch's answers are written: the next
        // batch is decided while this process answers the last one.
        const next = queue.splice(0, this.maxBatch);
        if (next.length) running = this.start(contestId, next);
        try {
          if ('error' in done) throw done.error;
          batch.forEach((p, i) => {
            const o = outcomeOf(done.outcomes[i], p.req);
            if ('error' in o) p.reject(o.error);
            else p.resolve(o);
          });
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
        try {
          this.onBatch?.(batch.length, done.seconds);
        } catch {
          // Metrics never stop the desk.
        }
        batch = next;
      }
    } finally {
      // Whatever happens, no request is left waiting on a desk that has stopped draining.
      this.queues.delete(contestId);
      for (const p of queue.splice(0)) p.reject(new Error('the funding desk stopped before deciding this subscription'));
    }
  }

  /** Sends a batch to the database; settles with its outcomes or its error (never rejects), and its time. */
  private start(contestId: string, batch: Pending[]): Promise<{ outcomes: DeskOutcome[]; seconds: number } | { error: unknown; seconds: number }> {
    const t0 = performance.now();
    const seconds = () => (performance.now() - t0) / 1000;
    return this.decide(contestId, batch.map((p) => p.req)).then(
      (outcomes) => ({ outcomes, seconds: seconds() }),
      (error: unknown) => ({ error, seconds: seconds() }),
    );
  }

  private async decide(contestId: string, reqs: SubscriptionRequest[]): Promise<DeskOutcome[]> {
    const input = reqs.map((r) => ({
      pledgeId: r.pledgeId, entryId: r.entryId, amountFen: r.amountFen, funderOrganisationId: r.funderOrganisationId, userId: r.userId, requestId: r.requestId,
      ...(r.idempotency ? { keyUserId: r.idempotency.userId, key: r.idempotency.key } : {}),
    }));
    for (let attempt = 1; ; attempt++) {
      try {
        return await decideSubscriptions(this.db, contestId, input);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (attempt >= MAX_ATTEMPTS || !code || !RETRYABLE.has(code)) throw err;
      }
    }
  }
}
