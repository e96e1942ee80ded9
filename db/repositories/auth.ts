import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';

// Sessions and sign-in throttling: the rows behind signing in and out.

export async function insertSession(trx: Knex.Transaction, s: { tokenHash: string; userId: string; expiresAt: Date; createdAt: Date }): Promise<void> {
  await trx('sessions').insert({ token_hash: s.tokenHash, user_id: s.userId, expires_at: s.expiresAt, created_at: s.createdAt });
}

export async function revokeSession(trx: Knex.Transaction, tokenHash: string, at: Date): Promise<void> {
  await trx('sessions').where({ token_hash: tokenHash }).whereNull('revoked_at').update({ revoked_at: at });
}

/** Revokes every live session of a user but `keepTokenHash` (none kept when it is null). */
export async function revokeSessionsOf(trx: Knex.Transaction, userId: string, at: Date, keepTokenHash: string | null = null): Promise<void> {
  const q = trx('sessions').where({ user_id: userId }).whereNull('revoked_at');
  if (keepTokenHash) q.whereNot({ token_hash: keepTokenHash });
  await q.update({ revoked_at: at });
}

export async function setPasswordHash(trx: Knex.Transaction, userId: string, passwordHash: string, at: Date): Promise<void> {
  await trx('users').where({ id: userId }).update({ password_hash: passwordHash, updated_at: at });
}

// ---- throttling --------------------------------------------------------------------------------------------------

/** What a throttle says to one attempt: go on, or wait this many seconds. */
export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface Throttle {
  /** Counts one attempt (atomically, in PostgreSQL) before it is checked; refused once the window's points are spent. */
  consume(key: string): Promise<ThrottleVerdict>;
  /** Gives one attempt back (a success that should not count against an address). */
  reward(key: string): Promise<void>;
  /** Forgets a key's attempts (a success clears its account's count). */
  forget(key: string): Promise<void>;
}

const TABLE = 'sign_in_throttle';
const limiters = new WeakMap<Knex, Map<string, RateLimiterPostgres>>();

/**
 * A fixed-window throttle on rate-limiter-flexible's RateLimiterPostgres over the app's knex pool: `points`
 * attempts per `windowMs` for each key, counted by one upsert so parallel attempts cannot slip past the count.
 * Keys are hashed: the table holds no login or address in clear.
 */
export function throttle(db: Knex, name: string, points: number, windowMs: number): Throttle {
  let byName = limiters.get(db);
  if (!byName) limiters.set(db, (byName = new Map()));
  const id = `${name}:${points}:${windowMs}`;
  let limiter = byName.get(id);
  if (!limiter) {
    limiter = new RateLimiterPostgres({ storeClient: db, storeType: 'knex', tableName: TABLE, tableCreated: true, keyPrefix: name, points, duration: Math.max(1, Math.ceil(windowMs / 1000)) });
    byName.set(id, limiter);
  }
  const rl = limiter;
  const hashed = (key: string) => crypto.createHash('sha256').update(key).digest('base64url');
  return {
    consume: async (key) => {
      try {
        await rl.consume(hashed(key));
        return { allowed: true };
      } catch (err) {
        if (err instanceof RateLimiterRes) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(err.msBeforeNext / 1000)) };
        throw err;
      }
    },
    reward: async (key) => {
      await rl.reward(hashed(key));
    },
    forget: async (key) => {
      await rl.delete(hashed(key));
    },
  };
}
