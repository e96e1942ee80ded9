// A child process serving the API on a test's database that dies (SIGKILL, no cleanup) the moment PostgreSQL answers
// the first query whose SQL matches a pattern: the crash-window tests put that moment between a write and its answer.
// `node bin/run-ts.js test/helpers/crash-api.ts <database url> <sql pattern>`; prints `port <n>` once listening.
import http from 'node:http';
import { createApp } from '../../api/app';
import { createLogger } from '../../api/logger';
import { createMetrics } from '../../api/metrics';
import { createDb } from '../../db/knex';

const [url, pattern] = process.argv.slice(2);
const db = createDb({ url, poolMax: 5 });
const hook = new RegExp(pattern, 'i');
db.on('query-response', (_response: unknown, query: { sql?: string }) => {
  if (query.sql && hook.test(query.sql)) process.kill(process.pid, 'SIGKILL');
});
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
