// A child process serving the API on a test's database that dies (SIGKILL, no cleanup) the moment PostgreSQL answers
// the first query whose SQL matches a pattern: the crash-window tests put that moment between a write and its answer.
// `node bin/run-ts.js test/helpers/crash-api.ts <database url> <sql pattern> [<task queue>]`; prints `port <n>` once
// listening. With a task queue it also talks to the test's Temporal server (FUHUA_TEST_TEMPORAL_ADDRESS) and dies
// 25 ms after it has sent its first update (with start, or to a running workflow), before the answer can reach the
// client.
import http from 'node:http';
import pg from 'pg';
import { Client, Connection, WorkflowClient } from '@temporalio/client';
import { createApp } from '../../api/app';
import { createLogger } from '../../api/logger';
import { createMetrics } from '../../api/metrics';
import { createDb } from '../../db/knex';

const [url, pattern, taskQueue] = process.argv.slice(2);
const hook = new RegExp(pattern, 'i');
// At the driver, not knex's events: knex does not re-emit a transaction's queries on the root instance. The kill
// comes when PostgreSQL has answered the statement, before anything in the process sees the answer.
type Callback = (err: Error | null, result: unknown) => void;
const query = pg.Client.prototype.query as (this: pg.Client, ...args: unknown[]) => unknown;
pg.Client.prototype.query = function patched(this: pg.Client, ...args: unknown[]) {
  const first = args[0] as string | { text?: string } | undefined;
  const sql = typeof first === 'string' ? first : first?.text;
  const last = args[args.length - 1];
  if (sql && hook.test(sql) && typeof last === 'function') {
    args[args.length - 1] = ((err, result) => {
      if (!err) process.kill(process.pid, 'SIGKILL');
      (last as Callback)(err, result);
    }) as Callback;
  }
  return query.apply(this, args);
} as typeof pg.Client.prototype.query;
async function temporal(): Promise<{ client: Client; taskQueue: string } | null> {
  if (!taskQueue) return null;
  const withStart = WorkflowClient.prototype.executeUpdateWithStart;
  WorkflowClient.prototype.executeUpdateWithStart = function killedAfter(this: WorkflowClient, ...args: Parameters<typeof withStart>) {
    setTimeout(() => process.kill(process.pid, 'SIGKILL'), 25);
    return withStart.apply(this, args);
  } as typeof withStart;
  // A workflow handle's executeUpdate and startUpdate both end in this (protected) method, which sends the update.
  type StartUpdate = (this: WorkflowClient, ...args: unknown[]) => Promise<unknown>;
  const proto = WorkflowClient.prototype as unknown as { _startUpdateHandler: StartUpdate };
  const startUpdate = proto._startUpdateHandler;
  proto._startUpdateHandler = function killedAfter(this: WorkflowClient, ...args: unknown[]) {
    setTimeout(() => process.kill(process.pid, 'SIGKILL'), 25);
    return startUpdate.apply(this, args);
  };
  const connection = await Connection.connect({ address: process.env.FUHUA_TEST_TEMPORAL_ADDRESS });
  return { client: new Client({ connection }), taskQueue };
}

async function main(): Promise<void> {
  const db = createDb({ url, poolMax: 5 });
  const app = createApp({
    db,
    temporal: await temporal(),
    config: { bodyLimitBytes: 64 * 1024, tokenTtlMs: 3600_000, loginMaxFailures: 5, loginLockMs: 60_000, sessionCacheMs: 0, validateResponses: true },
    log: createLogger('silent'),
    metrics: createMetrics(),
    clock: () => new Date(),
  });
  const server = http.createServer(app).listen(0, '127.0.0.1', () => {
    process.stdout.write(`port ${(server.address() as { port: number }).port}\n`);
  });
}
void main();
