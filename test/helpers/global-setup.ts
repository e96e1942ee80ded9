import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { bundleWorkflowCode } from '@temporalio/worker';
import { findTemporalCli } from '../../bin/temporal-cli';
import { startEmbeddedPostgres } from '../../bin/embedded-postgres';
import { portTaken, startTemporalDevServer } from '../../bin/temporal-dev-server';
import { createDb, migrateLatest } from '../../db/knex';
import { TEMPLATE_DB, withDatabase } from './shared';


async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20000 + Math.floor(Math.random() * 30000);
    if (!(await portTaken(port))) return port;
  }
  throw new Error('no free port found');
}

/**
 * One PostgreSQL (embedded, or DATABASE_URL) and one in-memory Temporal dev server for the whole run;
 * a migrated template database that each test file clones; one workflow bundle built for all files.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const log = (line: string) => process.stderr.write(`[test setup] ${line}\n`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fuhua-test-'));
  fs.chmodSync(work, 0o755);

  const cliPath = await findTemporalCli({ log });
  const [pg, env, bundle] = await Promise.all([
    (async () => {
      if (process.env.DATABASE_URL) return { adminUrl: process.env.DATABASE_URL, stop: async () => undefined };
      const server = await startEmbeddedPostgres({ dataDir: path.join(work, 'pg'), port: await freePort(), fast: true });
      return { adminUrl: server.url('postgres'), stop: server.stop };
    })(),
    // Our own start of the dev server (as `npm start` does): it waits for a ready frontend as long as a busy
    // machine needs, where the SDK's test environment gives up after 5 s.
    (async () => {
      const server = await startTemporalDevServer({ cliPath, dbFile: path.join(work, 'temporal.sqlite'), port: await freePort(), uiPort: await freePort(), namespace: 'default' });
      return { address: server.address, teardown: server.stop };
    })(),
    bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} } as never }),
  ]);
  const bundlePath = path.join(work, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);

  const admin = new Client({ connectionString: pg.adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB}`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  await admin.end();
  const db = createDb({ url: withDatabase(pg.adminUrl, TEMPLATE_DB), poolMax: 2 });
  await migrateLatest(db);
  await db.destroy();

  process.env.FUHUA_TEST_PG_URL = pg.adminUrl;
  process.env.FUHUA_TEST_TEMPORAL_ADDRESS = env.address;
  process.env.FUHUA_TEST_WORKFLOW_BUNDLE = bundlePath;
  process.env.FUHUA_TEST_WORKDIR = work;
  (globalThis as Record<string, unknown>).__fuhuaTest = { env, pg, work };
  log(`PostgreSQL, Temporal (${env.address}) and the workflow bundle ready in ${Date.now() - started} ms`);
}
