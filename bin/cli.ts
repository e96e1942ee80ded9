import cluster from 'node:cluster';
import type http from 'node:http';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { createApp } from '../api/app';
import { generatePassword, hashPassword } from '../api/auth';
import { createLogger, type Logger } from '../api/logger';
import { createMetrics, type Metrics } from '../api/metrics';
import { createDb, migrateLatest, pendingMigrations, type Db } from '../db/knex';
import { ROLES, type Role } from '../db/repositories/users';
import { DEFAULT_LANGUAGE, t } from '../i18n';
import { loadConfig, ConfigError, type Config } from './config';
import { startEmbeddedPostgres } from './embedded-postgres';
import { parseCommandLine, type CreateUserArgs } from './args';
import { startCluster } from './cluster';
import { createHttpServer, serveMetrics } from './http';
import { acquireDataLock } from './lock';
import { stopLeftovers } from './leftovers';
import { keepRunning, type LocalServer } from './keep-running';
// Static: run from the sources (tsx's CommonJS hook), a dynamic import() of a .ts file is not resolved.
import { ensureConsoleBuilt } from './console-build';
import { findTemporalCli } from './temporal-cli';
import { findTemporalServer } from './temporal-server';
import { startTemporalDevServer } from './temporal-dev-server';
import { createWorker, prebuiltWorkflowBundle } from './worker';

const USAGE = `usage: fuhua <command>

  start                 the whole local stack: embedded PostgreSQL (unless DATABASE_URL), a Temporal dev
                        server (unless TEMPORAL_ADDRESS), migrations, worker and API in one process
  api                   the HTTP API alone (needs DATABASE_URL and TEMPORAL_ADDRESS)
  worker                the Temporal worker alone (needs DATABASE_URL and TEMPORAL_ADDRESS)
  cluster               Fuhua on a real Temporal cluster on PostgreSQL (embedded unless DATABASE_URL): the
                        Temporal services each in its own process, two API processes behind PORT, two workers
  migrate [latest|rollback|status]
                        database migrations (needs DATABASE_URL); latest also creates the first admin
  create-user --login L --password P --roles r1,r2 [--name N] [--organisation ID] [--region ID]
                        create an account (needs DATABASE_URL)`;

/** Steps run in reverse order on shutdown. */
type Stop = { name: string; run: () => Promise<void> };

/** Starts one of the stack's own servers, kept running (keep-running.ts), and registers how shutdown stops it. */
async function startKept<S extends LocalServer>(name: string, part: string, start: () => Promise<S>, stops: Stop[], lastResort: (() => void)[], say: (line: string) => void): Promise<S> {
  const kept = await keepRunning(name, start, say);
  stops.push({ name: part, run: kept.stop });
  lastResort.push(kept.kill);
  return kept.server;
}

async function main(argv: string[]): Promise<void> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (err) {
    fail(`${(err as Error).message}\n\n${USAGE}`);
  }
  const { command, positionals, values } = parsed;
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const maxPositionals = command === 'migrate' ? 1 : 0;
  if (positionals.length > maxPositionals) fail(`unexpected argument "${positionals[maxPositionals]}" for \`fuhua ${command}\`\n\n${USAGE}`);
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(`configuration: ${err.message}`);
    throw err;
  }
  const log = createLogger(config.logLevel);
  switch (command) {
    case 'start':
      return start(config, log);
    case 'cluster':
      return clusterCommand(config, log);
    case 'api':
      if (config.apiProcesses > 1 && cluster.isPrimary) {
        const stops: Stop[] = [];
        onShutdown(log, stops);
        stops.push(await forkApiProcesses(config, log, {}));
        return;
      }
      return runApi(config, log);
    case 'worker':
      return runWorker(config, log);
    case 'migrate':
      return migrate(config, log, positionals[0] ?? 'latest');
    case 'create-user':
      return createUserCommand(config, values);
    default:
      fail(`unknown command "${command}"\n\n${USAGE}`);
  }
}

function fail(message: string): never {
  process.stderr.write(`fuhua: ${message}\n`);
  process.exit(2);
}

function requireExternal(config: Config, what: string): { databaseUrl: string; temporalAddress: string } {
  if (!config.databaseUrl || !config.temporalAddress) {
    fail(`\`fuhua ${what}\` runs against existing servers: set DATABASE_URL and TEMPORAL_ADDRESS (or use \`npm start\` for the local stack)`);
  }
  return { databaseUrl: config.databaseUrl, temporalAddress: config.temporalAddress };
}

/**
 * Graceful shutdown on SIGINT/SIGTERM, and SIGHUP (the terminal closed: by default Node would die at once, leaving
 * the local servers running): the steps run in reverse order of start; a second signal forces exit.
 */
function onShutdown(log: Logger, stops: Stop[], lastResort: (() => void)[] = []): void {
  let stoppingSince = 0;
  const shutdown = async (signal: string) => {
    if (stoppingSince) {
      // npm forwards the terminal's Ctrl-C, so one keypress arrives twice: only a later one means "now".
      if (Date.now() - stoppingSince < 2000) return;
      log.warn('second signal: exiting now', { signal });
      lastResort.forEach((k) => k());
      process.exit(1);
    }
    stoppingSince = Date.now();
    log.info('shutting down', { signal });
    for (const step of [...stops].reverse()) {
      try {
        await step.run();
        log.info('stopped', { part: step.name });
      } catch (err) {
        log.error('stop failed', { part: step.name, err });
      }
    }
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGHUP', () => void shutdown('SIGHUP'));
  process.on('exit', () => lastResort.forEach((k) => k()));
}

async function connectTemporal(address: string, namespace: string): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address });
  return { client: new Client({ connection, namespace }), connection };
}

/** How long requests in flight may finish when the process stops, before waiting updates are cut short with 503. */
const SHUTDOWN_GRACE_MS = 10_000;

function listen(config: Config, db: Db, client: Client, log: Logger, metrics: Metrics, temporalUiUrl?: string): Promise<{ server: http.Server; stop: Stop }> {
  const stopping = new AbortController();
  const app = createApp({
    db,
    stopping: stopping.signal,
    temporal: { client, taskQueue: config.taskQueue },
    config: {
      bodyLimitBytes: config.bodyLimitBytes,
      tokenTtlMs: config.tokenTtlMs,
      loginMaxFailures: config.loginMaxFailures,
      loginLockMs: config.loginLockMs,
      sessionCacheMs: config.sessionCacheMs,
      updateTimeoutMs: config.updateTimeoutMs,
      trustProxy: config.trustProxy,
      temporalUiUrl,
    },
    log,
    metrics,
    clock: () => new Date(),
  });
  const server = createHttpServer(app);
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`port ${config.port} is taken: set PORT to another port`) : err),
    );
    server.listen(config.port, config.host, () => {
      const stop: Stop = {
        name: 'api',
        // Stop accepting and let requests in flight finish; after a grace, requests still waiting on a workflow update
        // answer 503 (retry with the same key), so none outlives the Temporal connection closed after this step.
        run: () =>
          new Promise<void>((done) => {
            const abort = setTimeout(() => stopping.abort(), SHUTDOWN_GRACE_MS);
            const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS + 5_000);
            server.close(() => {
              clearTimeout(abort);
              clearTimeout(force);
              done();
            });
            server.closeIdleConnections();
          }),
      };
      resolve({ server, stop });
    });
  });
}

/** On a first start with no admin, create `admin` from FUHUA_ADMIN_PASSWORD or a generated password printed once. */
async function ensureAdmin(db: Db, config: Config): Promise<string | null> {
  const existing = await db('users').whereRaw("'admin' = ANY(roles)").first('id');
  if (existing) return null;
  const password = config.adminPassword ?? generatePassword();
  await db('users').insert({ login: 'admin', display_name: t(DEFAULT_LANGUAGE, 'bootstrap.admin-name'), password_hash: await hashPassword(password), roles: ['admin'] }).onConflict(db.raw('(lower(login))')).ignore();
  return config.adminPassword ? '(from FUHUA_ADMIN_PASSWORD)' : password;
}

async function start(config: Config, log: Logger): Promise<void> {
  const started = Date.now();
  const stops: Stop[] = [];
  const lastResort: (() => void)[] = [];
  onShutdown(log, stops, lastResort);
  let release: () => void;
  try {
    release = acquireDataLock(config.dataDir);
  } catch (err) {
    fail((err as Error).message);
  }
  stops.push({ name: 'lock', run: async () => release() });
  lastResort.push(release);
  const progress = (line: string) => process.stderr.write(`[fuhua] ${line}\n`);

  try {
    // A start killed before its shutdown (kill -9) leaves PostgreSQL and Temporal running on this folder.
    await stopLeftovers(config.dataDir, progress, [path.join(config.dataDir, 'cluster')]);
    await ensureConsoleBuilt({ log: progress });
    const [databaseUrl, temporal] = await Promise.all([
      (async () => {
        if (config.databaseUrl) return config.databaseUrl;
        progress(`starting PostgreSQL (embedded) on 127.0.0.1:${config.pgPort}, data in ${path.join(config.dataDir, 'postgres')}`);
        const pg = await startKept('PostgreSQL', 'postgres', () => startEmbeddedPostgres({ dataDir: path.join(config.dataDir, 'postgres'), port: config.pgPort, log: (l) => log.debug(l, { source: 'postgres' }) }), stops, lastResort, progress);
        await pg.createDatabase('fuhua');
        return pg.url('fuhua');
      })(),
      (async () => {
        if (config.temporalAddress) return { address: config.temporalAddress, uiUrl: undefined };
        const cliPath = await findTemporalCli({ log: progress });
        progress(`starting Temporal dev server on 127.0.0.1:${config.temporalPort}, data in ${path.join(config.dataDir, 'temporal.sqlite')}`);
        const startServer = () => startTemporalDevServer({
          cliPath,
          dbFile: path.join(config.dataDir, 'temporal.sqlite'),
          port: config.temporalPort,
          uiPort: config.temporalUiPort,
          namespace: config.temporalNamespace,
          log: (l) => log.debug(l, { source: 'temporal' }),
        });
        const server = await startKept('the Temporal dev server', 'temporal', startServer, stops, lastResort, progress);
        return { address: server.address, uiUrl: server.uiUrl };
      })(),
    ]);

    const db = createDb({ url: databaseUrl, poolMax: config.dbPoolMax, log });
    stops.push({ name: 'database pool', run: () => db.destroy() });
    const applied = await migrateLatest(db);
    if (applied.length) progress(`applied migrations: ${applied.join(', ')}`);
    const adminPassword = await ensureAdmin(db, config);

    const { client, connection } = await connectTemporal(temporal.address, config.temporalNamespace);
    stops.push({ name: 'temporal client', run: () => connection.close() });
    const metrics = createMetrics();
    const worker = await createWorker({ address: temporal.address, namespace: config.temporalNamespace, taskQueue: config.taskQueue, db, client, log, metrics, maxCachedWorkflows: config.workerCachedWorkflows, workflowBundlePath: prebuiltWorkflowBundle(config.workflowBundle) });
    const running = worker.run();
    stops.push({ name: 'worker', run: () => shutdownWorker(worker, running) });
    // This process's registry (worker, and the API when it runs here) on the private metrics port.
    if (config.metricsPort) stops.push(await metricsStep(config, config.metricsPort, metrics));
    if (config.apiProcesses > 1) {
      // The API in its own processes, sharing the port, so it can use more than one core.
      stops.push(await forkApiProcesses(config, log, { DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporal.address }));
    } else {
      const { stop } = await listen(config, db, client, log, metrics, temporal.uiUrl);
      stops.push(stop);
    }

    const base = `http://${config.host}:${config.port}`;
    const lines = [
      '',
      `Fuhua is ready (${((Date.now() - started) / 1000).toFixed(1)} s)`,
      `  Console:      ${base}/`,
      `  API:          ${base}/api/v1`,
      `  API docs:     ${base}/docs`,
      `  Health:       ${base}/readyz`,
      temporal.uiUrl ? `  Temporal UI:  ${temporal.uiUrl}` : `  Temporal:     ${temporal.address}`,
      ...(adminPassword ? [`  First start: sign in as "admin" with password ${adminPassword}  (shown once)`] : []),
      '  Ctrl-C stops everything.',
      '',
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } catch (err) {
    process.stderr.write(`fuhua: could not start: ${(err as Error).message}\n`);
    for (const step of [...stops].reverse()) await step.run().catch(() => undefined);
    process.exit(1);
  }
}

/**
 * `fuhua cluster`: the product on a real Temporal cluster (bin/cluster.ts) with its own data folder
 * (FUHUA_DATA_DIR/cluster), so it never mixes its workflows with those of `fuhua start`'s dev server.
 */
async function clusterCommand(config: Config, log: Logger): Promise<void> {
  const started = Date.now();
  const stops: Stop[] = [];
  const lastResort: (() => void)[] = [];
  onShutdown(log, stops, lastResort);
  const dataDir = path.join(config.dataDir, 'cluster');
  let release: () => void;
  try {
    release = acquireDataLock(dataDir);
  } catch (err) {
    fail((err as Error).message);
  }
  stops.push({ name: 'lock', run: async () => release() });
  lastResort.push(release);
  const progress = (line: string) => process.stderr.write(`[fuhua cluster] ${line}\n`);
  try {
    await stopLeftovers(dataDir, progress);
    const [files, urls] = await Promise.all([
      findTemporalServer({ log: progress }),
      (async () => {
        if (config.databaseUrl) return { adminUrl: config.databaseUrl, fuhuaUrl: config.databaseUrl };
        progress(`starting PostgreSQL (embedded) on 127.0.0.1:${config.pgPort}, data in ${path.join(dataDir, 'postgres')}`);
        const pg = await startKept('PostgreSQL', 'postgres', () => startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port: config.pgPort, log: (l) => log.debug(l, { source: 'postgres' }) }), stops, lastResort, progress);
        await pg.createDatabase('fuhua');
        return { adminUrl: pg.url('postgres'), fuhuaUrl: pg.url('fuhua') };
      })(),
    ]);
    const running = await startCluster({
      files,
      dir: dataDir,
      adminUrl: urls.adminUrl,
      fuhuaUrl: urls.fuhuaUrl,
      frontendPort: config.temporalPort,
      apiPort: config.port,
      host: config.host,
      namespace: config.temporalNamespace,
      taskQueue: config.taskQueue,
      apiProcesses: Math.max(2, config.apiProcesses),
      workers: 2,
      log: progress,
      onProcesses: ({ stop, kill }) => {
        stops.push({ name: 'cluster', run: stop });
        lastResort.push(kill);
      },
    });
    const admin = /First start: .*/.exec(running.migrateOutput)?.[0];
    const base = running.apiUrl;
    process.stdout.write(
      [
        '',
        `Fuhua is ready on a Temporal cluster (${((Date.now() - started) / 1000).toFixed(1)} s)`,
        `  API:          ${base}/api/v1  (${Math.max(2, config.apiProcesses)} API processes behind one port)`,
        `  API docs:     ${base}/docs`,
        `  Temporal:     ${running.frontendAddress} (PostgreSQL-backed; namespace ${running.namespace})`,
        '  Temporal UI:  not run here (no UI server binary is built); use `npm start` for the dev server\'s UI',
        `  Processes:    ${running.processes.map((p) => `${p.name} (${p.pid})`).join(', ')}`,
        `  Logs:         ${running.logDir}`,
        ...(admin ? [`  ${admin}`] : []),
        '  Ctrl-C stops everything.',
        '',
      ].join('\n') + '\n',
    );
  } catch (err) {
    process.stderr.write(`fuhua: could not start the cluster: ${(err as Error).message}\n`);
    for (const step of [...stops].reverse()) await step.run().catch(() => undefined);
    process.exit(1);
  }
}

async function shutdownWorker(worker: Worker, running: Promise<void>): Promise<void> {
  if (worker.getState() === 'RUNNING') worker.shutdown();
  await running;
}

/** A registry served on its own port (FUHUA_METRICS_HOST), as a shutdown step. */
async function metricsStep(config: Config, port: number, metrics: Metrics): Promise<Stop> {
  const { stop } = await serveMetrics(metrics.registry, port, config.metricsHost);
  return { name: 'metrics', run: stop };
}

/** The shared start of `api` and `worker` run alone: existing servers, a pool, a client, shutdown on signal. */
async function connectExternal(config: Config, log: Logger, what: string): Promise<{ db: Db; client: Client; stops: Stop[]; temporalAddress: string }> {
  const { databaseUrl, temporalAddress } = requireExternal(config, what);
  const stops: Stop[] = [];
  onShutdown(log, stops);
  const db = createDb({ url: databaseUrl, poolMax: config.dbPoolMax, log });
  stops.push({ name: 'database pool', run: () => db.destroy() });
  const { client, connection } = await connectTemporal(temporalAddress, config.temporalNamespace);
  stops.push({ name: 'temporal client', run: () => connection.close() });
  return { db, client, stops, temporalAddress };
}

/**
 * `FUHUA_API_PROCESSES` API processes sharing one port (node:cluster), each with its own pool and client;
 * one that dies is replaced. The returned step stops them all gracefully.
 */
async function forkApiProcesses(config: Config, log: Logger, env: Record<string, string>): Promise<Stop> {
  cluster.setupPrimary({ exec: path.join(__dirname, 'fuhua.js'), args: ['api'] });
  let stopping = false;
  const indexOf = new Map<number, number>();
  const fork = (index: number) => {
    const w = cluster.fork({ ...env, FUHUA_API_PROCESSES: String(config.apiProcesses), FUHUA_API_INDEX: String(index) });
    indexOf.set(w.id, index);
    return w;
  };
  const listening = Array.from({ length: config.apiProcesses }, (_, i) => new Promise<void>((resolve, reject) => {
    const w = fork(i + 1);
    w.once('listening', () => resolve());
    w.once('exit', (code) => reject(new Error(`an API process exited (code ${code}) before it listened`)));
  }));
  cluster.on('exit', (w, code, signal) => {
    if (stopping) return;
    log.error('API process died; starting another', { pid: w.process.pid, code, signal });
    fork(indexOf.get(w.id) ?? 1);
  });
  await Promise.all(listening);
  log.info('api processes listening', { processes: config.apiProcesses, url: `http://${config.host}:${config.port}` });
  return {
    name: 'api processes',
    run: async () => {
      stopping = true;
      await Promise.all(
        Object.values(cluster.workers ?? {}).map(
          (w) =>
            new Promise<void>((resolve) => {
              if (!w || w.isDead()) return resolve();
              const force = setTimeout(() => w.process.kill('SIGKILL'), 20_000);
              w.once('exit', () => {
                clearTimeout(force);
                resolve();
              });
              w.process.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}

async function runApi(config: Config, log: Logger): Promise<void> {
  const { db, client, stops } = await connectExternal(config, log, 'api');
  const metrics = createMetrics();
  const { stop } = await listen(config, db, client, log, metrics);
  stops.push(stop);
  // One of several API processes serves its own registry on the metrics port + its index (1, 2, ...).
  const index = cluster.isWorker ? Number(process.env.FUHUA_API_INDEX ?? 0) : 0;
  if (config.metricsPort) stops.push(await metricsStep(config, config.metricsPort + index, metrics));
  log.info('api listening', { url: `http://${config.host}:${config.port}` });
}

async function runWorker(config: Config, log: Logger): Promise<void> {
  const { db, client, stops, temporalAddress } = await connectExternal(config, log, 'worker');
  const metrics = createMetrics();
  if (config.workerMetricsPort) stops.push(await metricsStep(config, config.workerMetricsPort, metrics));
  const worker = await createWorker({ address: temporalAddress, namespace: config.temporalNamespace, taskQueue: config.taskQueue, db, client, log, metrics, maxCachedWorkflows: config.workerCachedWorkflows, workflowBundlePath: prebuiltWorkflowBundle(config.workflowBundle) });
  const running = worker.run();
  stops.push({ name: 'worker', run: () => shutdownWorker(worker, running) });
  log.info('worker running', { taskQueue: config.taskQueue });
}

async function migrate(config: Config, log: Logger, action: string): Promise<void> {
  if (!config.databaseUrl) fail('`fuhua migrate` needs DATABASE_URL (`npm start` migrates its embedded database itself)');
  const db = createDb({ url: config.databaseUrl, poolMax: 2 });
  try {
    if (action === 'latest') {
      log.info('migrated', { applied: await migrateLatest(db) });
      // Production runs `migrate` once before the API and worker: that is where the first admin appears.
      const adminPassword = await ensureAdmin(db, config);
      if (adminPassword) process.stdout.write(`First start: sign in as "admin" with password ${adminPassword}  (shown once)\n`);
    }
    else if (action === 'rollback') log.info('rolled back', { result: await db.migrate.rollback() });
    else if (action === 'status') {
      const [done] = (await db.migrate.list()) as [{ name: string }[], unknown[]];
      process.stdout.write(JSON.stringify({ applied: done.map((d) => d.name), pending: await pendingMigrations(db) }, null, 2) + '\n');
    } else fail(`unknown migrate action "${action}" (latest, rollback, status)`);
  } finally {
    await db.destroy();
  }
}

async function createUserCommand(config: Config, args: CreateUserArgs): Promise<void> {
  if (!config.databaseUrl) fail('`fuhua create-user` needs DATABASE_URL');
  const { login, password } = args;
  const roles = (args.roles ?? '').split(',').filter(Boolean) as Role[];
  if (!login || !password || roles.length === 0) fail('create-user needs --login, --password and --roles');
  const unknown = roles.filter((r) => !ROLES.includes(r));
  if (unknown.length) fail(`unknown role(s) ${unknown.join(', ')}; roles are ${ROLES.join(', ')}`);
  if (password.length < 10) fail('--password must be at least 10 characters');
  const db = createDb({ url: config.databaseUrl, poolMax: 2 });
  try {
    const [row] = await db('users')
      .insert({ login, display_name: args.name ?? login, password_hash: await hashPassword(password), roles, organisation_id: args.organisation ?? null, region_id: args.region ?? null })
      .returning(['id', 'login']);
    process.stdout.write(JSON.stringify(row) + '\n');
  } finally {
    await db.destroy();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`fuhua: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
