// Idempotency-Key: a retry with the same key and body gets the first answer again and changes nothing; the same key
// with another body is refused (422); a retry while the first is still running gets 409. Keys are kept 24 hours.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { BusinessRuleError, HttpError, KeyInProgressError, ValidationError, type Problem, says } from './errors';
import type { Reply } from './operation';

const KEY_PATTERN = /^[A-Za-z0-9_.:-]{1,200}$/;
/** A request that died mid-way (process killed) leaves its row unfinished; after this a retry takes it over. */
const STALE_IN_PROGRESS_MS = 60_000;
/** When to try again: 5 s (the running request may well be done by then), or sooner if its claim goes stale sooner. */
const retryAfter = (row: { created_at: Date | string }) => Math.max(1, Math.min(5, Math.ceil((new Date(row.created_at).getTime() + STALE_IN_PROGRESS_MS - Date.now()) / 1000)));
export const KEY_RETENTION_MS = 24 * 3600_000;

export interface KeyedRequest {
  userId: string;
  key: string;
  method: string;
  path: string;
  body: unknown;
}

export function checkKey(key: string): void {
  if (!KEY_PATTERN.test(key)) {
    throw new ValidationError([{ field: '/headers/Idempotency-Key', rule: 'pattern', ...says('field.idempotency-key-pattern') }]);
  }
}

export function requestHash(req: Pick<KeyedRequest, 'method' | 'path' | 'body'>): string {
  return crypto.createHash('sha256').update(`${req.method} ${req.path}\n${JSON.stringify(req.body ?? null)}`).digest('hex');
}

interface KeyRow {
  request_hash: string;
  status: number | null;
  response: { status?: number; body?: unknown; error?: Problem } | null;
  created_at: Date;
}

function replay(prior: KeyRow, hash: string): Reply {
  if (prior.request_hash !== hash) {
    throw new BusinessRuleError([{ field: '/headers/Idempotency-Key', rule: 'idempotency-key-reused', ...says('field.idempotency-key-reused') }]);
  }
  const stored = prior.response ?? {};
  if (stored.error) throw HttpError.fromProblem(stored.error, { 'Idempotent-Replayed': 'true' });
  return { status: stored.status, body: stored.body, headers: { 'Idempotent-Replayed': 'true' } };
}

const expired = (row: KeyRow, now: number) => now - new Date(row.created_at).getTime() > KEY_RETENTION_MS;

/**
 * For an operation that writes rows itself: the key is claimed, the rows written and the answer stored in ONE
 * transaction. A crash before the commit leaves neither the rows nor the key, so the retry runs afresh; after it, the
 * retry finds the answer. A concurrent duplicate waits on the key's unique index until the first commits, then replays.
 */
export async function inTransactionWithKey(db: Knex, req: KeyedRequest | null, run: (trx: Knex.Transaction) => Promise<Reply>): Promise<Reply> {
  if (!req) return db.transaction(run);
  checkKey(req.key);
  const hash = requestHash(req);
  try {
    return await db.transaction(async (trx) => {
      const claimed = await trx('idempotency_keys')
        .insert({ user_id: req.userId, key: req.key, method: req.method, path: req.path, request_hash: hash })
        .onConflict(['user_id', 'key'])
        .ignore()
        .returning('key');
      if (claimed.length === 0) {
        const prior = (await trx('idempotency_keys').where({ user_id: req.userId, key: req.key }).first()) as KeyRow;
        if (prior.status === null && Date.now() - new Date(prior.created_at).getTime() < STALE_IN_PROGRESS_MS) {
          throw new KeyInProgressError(retryAfter(prior));
        }
        if (prior.status === null || expired(prior, Date.now())) {
          await trx('idempotency_keys').where({ user_id: req.userId, key: req.key }).delete();
          await trx('idempotency_keys').insert({ user_id: req.userId, key: req.key, method: req.method, path: req.path, request_hash: hash });
        } else {
          return replay(prior, hash);
        }
      }
      const reply = await run(trx);
      await trx('idempotency_keys')
        .where({ user_id: req.userId, key: req.key })
        .update({ status: reply.status ?? 200, response: JSON.stringify({ status: reply.status, body: reply.body }) });
      return reply;
    });
  } catch (err) {
    // A refusal is an answer too: keep it for the retry (the failed transaction wrote nothing else).
    if (err instanceof HttpError && err.status < 500 && !err.headers['Idempotent-Replayed'] && !(err instanceof KeyInProgressError)) {
      await db('idempotency_keys')
        .insert({ user_id: req.userId, key: req.key, method: req.method, path: req.path, request_hash: hash, status: err.status, response: JSON.stringify({ error: err.toStored() }) })
        .onConflict(['user_id', 'key'])
        .ignore();
    }
    throw err;
  }
}

/**
 * For an operation whose effect is a workflow update keyed by the same Idempotency-Key (Temporal applies an update id
 * once): the key row is claimed first and answered after, so a retry replays the stored answer, or, while the first is
 * still running, gets 409; a crashed request's row is taken over after a minute and the retry reaches the same update.
 */
export async function withKey(db: Knex, req: KeyedRequest, run: () => Promise<Reply>): Promise<Reply> {
  checkKey(req.key);
  const hash = requestHash(req);
  const inserted = await db('idempotency_keys')
    .insert({ user_id: req.userId, key: req.key, method: req.method, path: req.path, request_hash: hash })
    .onConflict(['user_id', 'key'])
    .ignore()
    .returning('key');
  if (inserted.length === 0) {
    const prior = (await db('idempotency_keys').where({ user_id: req.userId, key: req.key }).first()) as KeyRow | undefined;
    if (prior && prior.status !== null && !expired(prior, Date.now())) return replay(prior, hash);
    if (prior && prior.request_hash !== hash && !expired(prior, Date.now())) replay(prior, hash);
    if (prior && prior.status === null && Date.now() - new Date(prior.created_at).getTime() < STALE_IN_PROGRESS_MS) {
      throw new KeyInProgressError(retryAfter(prior));
    }
    await db('idempotency_keys').where({ user_id: req.userId, key: req.key }).delete();
    return withKey(db, req, run);
  }
  try {
    const reply = await run();
    await db('idempotency_keys').where({ user_id: req.userId, key: req.key }).update({ status: reply.status ?? 200, response: JSON.stringify({ status: reply.status, body: reply.body }) });
    return reply;
  } catch (err) {
    if (err instanceof HttpError && err.status < 500) {
      await db('idempotency_keys').where({ user_id: req.userId, key: req.key }).update({ status: err.status, response: JSON.stringify({ error: err.toStored() }) });
    } else {
      // Server errors and 503 (the move may still complete) are not kept: the retry runs again, and being the same
      // update id it gets the one result. An answer the operation already committed with its write (the funding
      // desk stores it inside its database function) stays: deleting it would let the retry write again.
      await db('idempotency_keys').where({ user_id: req.userId, key: req.key }).whereNull('status').delete();
    }
    throw err;
  }
}

/** Removes keys past their 24 hours, a batch at a time; returns how many went. */
export async function sweepExpiredKeys(db: Knex, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - KEY_RETENTION_MS);
  const res = await db.raw(
    'delete from idempotency_keys where ctid in (select ctid from idempotency_keys where created_at < ? limit 5000)',
    [cutoff],
  );
  return res.rowCount ?? 0;
}
