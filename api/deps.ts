// What the API needs to run, as types only: every layer of the API imports them from here, so no module has to
// import the registry (or the app) to name its dependencies.
import type { Knex } from 'knex';
import type { Client } from '@temporalio/client';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import type { SessionCache } from './session-cache';
import type { SubscriptionDesk } from './funding/desk';

export interface ApiConfig {
  bodyLimitBytes: number;
  /** How long a signed-in principal is kept in this process (0: every request asks the database). */
  sessionCacheMs?: number;
  /** How long a request waits for its workflow update before answering 503 (the move may still complete). */
  updateTimeoutMs?: number;
  tokenTtlMs: number;
  /** Failed sign-ins (or password checks) one login may take from one address in a window of loginLockMs. */
  loginMaxFailures: number;
  /** The throttling window: a spent count refuses until it ends. */
  loginLockMs: number;
  /** Failed sign-ins one address may make over all logins in a window (default 100). */
  loginMaxFailuresPerAddress?: number;
  temporalUiUrl?: string;
  /**
   * Check every answer against the schema its operation declares, and every problem status against the ones it
   * declares; a mismatch answers 500 naming it. On in tests, so the suite proves the OpenAPI document true.
   */
  validateResponses?: boolean;
  /** Express's `trust proxy`: which proxies may name the client's address (X-Forwarded-For). Unset: none. */
  trustProxy?: string | number | null;
}

export interface AppDeps {
  db: Knex;
  temporal: { client: Client; taskQueue: string } | null;
  config: ApiConfig;
  log: Logger;
  metrics: Metrics;
  clock: () => Date;
  /**
   * Aborted when the process stops: requests still waiting on a workflow update answer 503 (retry with the same
   * Idempotency-Key) instead of outliving the Temporal connection that is closed after them.
   */
  stopping?: AbortSignal;
  /** Set by createApp when not given. */
  sessions?: SessionCache;
  /** Set by createApp when not given: decides funders' subscriptions in batches. */
  subscriptions?: SubscriptionDesk;
}
