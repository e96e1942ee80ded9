import type { Knex } from 'knex';
import type { Client } from '@temporalio/client';
import type { Logger } from '../api/logger';

/** What every activity factory receives: no activity reaches for a global. */
export interface ActivityDeps {
  db: Knex;
  clock: () => Date;
  log: Logger;
  /** For activities that move another workflow (a contest moving its entries' projects). */
  temporal: Client;
  /** Counts operator alerts on the worker's metrics (fuhua_worker_activity_alerts_total). */
  alerts?: { inc(labels: { activity: string }): void };
}
