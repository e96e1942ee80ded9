// A child process serving the API on a test's database that dies (SIGKILL, no cleanup) the moment PostgreSQL answers
// the first query whose SQL matches a pattern: the crash-window tests put that moment between a write and its answer.
// `node bin/run-ts.js test/helpers/crash-api.ts <database url> <sql pattern>`; prints `port <n>` once listening.
import http from 'node:http';
import pg from 'pg';
import { createApp } from '../../api/app';
import { createLogger } from '../../api/logger';
import { createMetrics } from '../../api/metrics';
import { createDb } from '../../db/knex';

const [url, pattern] = process.argv.slice(2);
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
const db = createDb({ url, poolMax: 5 });
const app = createApp({
  db,
  temporal: null,
  config: { bodyLimitBytes: 64 * 1024, tokenTtlMs: 3600_000, loginMaxFailures: 5, loginLockMs: 60_000, sessionCacheMs: 0, validateResponses: true },
  log: createLogger('silent'),
  metrics: createMetrics(),
  clock: () => new Date(),
});
const server = http.createServer(app).listen(0, '127.0.0.1', () => {
  process.stdout.write(`port ${(server.address() as { port: number }).port}\n`);
});
