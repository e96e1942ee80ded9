import crypto from 'node:crypto';
import { Client as PgClient } from 'pg';
import { Client, Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { Express } from 'express';
import request from 'supertest';
import { createApp, type AppDeps } from '../../api/app';
import { createLogger } from '../../api/logger';
import { createMetrics } from '../../api/metrics';
import { createWorker } from '../../bin/worker';
import { createDb, type Db } from '../../db/knex';
import { hashPassword } from '../../api/auth';
import { creditCodeCheckChar } from '../../db/repositories/organisations';
import { TEMPLATE_DB, withDatabase } from './shared';
import type { Role } from '../../db/repositories/users';

export interface Stack {
  db: Db;
  app: Express;
  client: Client;
  taskQueue: string;
  deps: AppDeps;
  worker: Worker | null;
  /** Stops the worker (and waits for it to drain); a new one can be started with startWorker. */
  stopWorker: () => Promise<void>;
  startWorker: () => Promise<void>;
  close: () => Promise<void>;
}

/** A test file's own database (a clone of the migrated template) and its own task queue on the shared servers. */
export async function startStack(opts: { worker?: boolean; config?: Partial<AppDeps['config']> } = {}): Promise<Stack> {
  const pgUrl = process.env.FUHUA_TEST_PG_URL;
  const address = process.env.FUHUA_TEST_TEMPORAL_ADDRESS;
  if (!pgUrl || !address) throw new Error('integration tests need the global setup (run them through jest)');
  const dbName = `t_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new PgClient({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName} TEMPLATE ${TEMPLATE_DB}`);
  await admin.end();
  const db = createDb({ url: withDatabase(pgUrl, dbName), poolMax: 20 });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const taskQueue = `tq-${dbName}`;
  const log = createLogger((process.env.TEST_LOG_LEVEL as 'info') ?? 'silent');
  const metrics = createMetrics();
  const deps: AppDeps = {
    db,
    temporal: { client, taskQueue },
    // Tests change sessions in the database directly, so by default every request reads them afresh.
    config: { bodyLimitBytes: 64 * 1024, tokenTtlMs: 3600_000, loginMaxFailures: 5, loginLockMs: 60_000, sessionCacheMs: 0, validateResponses: true, ...opts.config },
    log,
    metrics,
    clock: () => new Date(),
  };
  const app = createApp(deps);
  let worker: Worker | null = null;
  let running: Promise<void> | null = null;
  const stack: Stack = {
    db,
    app,
    client,
    taskQueue,
    deps,
    get worker() {
      return worker;
    },
    startWorker: async () => {
      worker = await createWorker({ address, namespace: 'default', taskQueue, db, client, log, metrics, workflowBundlePath: process.env.FUHUA_TEST_WORKFLOW_BUNDLE });
      running = worker.run();
    },
    stopWorker: async () => {
      if (!worker) return;
      worker.shutdown();
      await running;
      worker = null;
    },
    close: async () => {
      await stack.stopWorker();
      await connection.close();
      await db.destroy();
      const cleanup = new PgClient({ connectionString: pgUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await cleanup.end();
    },
  };
  if (opts.worker !== false) await stack.startWorker();
  return stack;
}

export interface TestUser {
  id: string;
  login: string;
  password: string;
  token: string;
  roles: Role[];
}

// One scrypt hash for every test account: hashing is deliberately slow.
let sharedHash: Promise<string> | undefined;
export const TEST_PASSWORD = 'correct-horse-battery';

/** Inserts an account directly and signs it in through the API. */
export async function createUser(stack: Stack, roles: Role[], extra: { organisationId?: string | null; regionId?: string | null; login?: string } = {}): Promise<TestUser> {
  sharedHash ??= hashPassword(TEST_PASSWORD);
  const login = extra.login ?? `${roles.join('-')}-${crypto.randomBytes(4).toString('hex')}`;
  const [row] = await stack.db('users')
    .insert({ login, display_name: login, password_hash: await sharedHash, roles, organisation_id: extra.organisationId ?? null, region_id: extra.regionId ?? null })
    .returning('id');
  const res = await request(stack.app).post('/api/v1/auth/login').send({ login, password: TEST_PASSWORD });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: row.id, login, password: TEST_PASSWORD, token: res.body.token, roles };
}

/** Valid unified social credit codes for test organisations. */
export function creditCode(seed: number): string {
  const body = ('52330000' + String(seed).padStart(9, '0')).slice(0, 17);
  return body + creditCodeCheckChar(body)!;
}
