// The in-process stack of the lifecycle, library (and contest) sections, wired the way `fuhua start` wires it
// (bin/cli.ts): our own embedded PostgreSQL with real durability, our own Temporal dev server on a SQLite file in
// WAL mode, migrations, the real worker and the real HTTP API listening on a loopback port. Beside them a second
// worker on its own task queue runs the bare baseline workflow.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { createApp } from '../api/app';
import { createLogger, type Logger } from '../api/logger';
import { createMetrics } from '../api/metrics';
import { startEmbeddedPostgres } from '../bin/embedded-postgres';
import { findTemporalCli } from '../bin/temporal-cli';
import { startTemporalDevServer } from '../bin/temporal-dev-server';
import { createWorker } from '../bin/worker';
import { loadConfig } from '../bin/config';

// The product's defaults, as `npm start` runs them (environment variables apply here too).
const defaults = loadConfig();
import { createDb, migrateLatest, type Db } from '../db/knex';
import type { BareActivities } from './bare-workflow';
import { LOOPBACK, REPO_ROOT, cpuByKind, freePorts, log, onCleanup, processesMentioning, round, signal, sleep, tempDir } from './util';

export const TASK_QUEUE = 'fuhua';
export const BARE_TASK_QUEUE = 'bench-bare';

export interface BenchStack {
  dir: string;
  baseUrl: string;
  db: Db;
  pgUrl: string;
  client: Client;
  temporalAddress: string;
  /** Pids of the child servers (for their memory and CPU figures); worker and API when they run as their own processes. */
  pids: { temporal: number | null; postgres: number | null; worker: number | null; api: number | null };
  logFile: string;
  log: Logger;
  /** The Prometheus text of each API process (metrics are served on their own port, apart from the API). */
  metricsTexts: () => Promise<string[]>;
  stop: () => Promise<void>;
}

const quietBundler = { info() {}, warn() {}, error: (m: string) => process.stderr.write(`[bundler] ${m}\n`), debug() {}, trace() {}, log() {} };

/**
 * `worker: 'child'` runs the worker as production runs it, `node bin/fuhua.js worker` in its own process (its own
 * pool, its own memory figure); by default it runs in this process beside the API, as `fuhua start` does.
 * `api: { processes }` likewise runs `node bin/fuhua.js api` with FUHUA_API_PROCESSES, so the API does not share a
 * thread with the load generator; by default the API runs in this process.
 */
export async function startBenchStack(opts: { bare?: boolean; worker?: 'in-process' | 'child'; api?: { processes: number } } = {}): Promise<BenchStack> {
  const dir = tempDir('fuhua-bench-stack-');
  const stops: (() => Promise<unknown>)[] = [];
  // Registered first, so it runs last: the servers are gone before their files are removed.
  stops.push(onCleanup('stack temp dir', async () => fs.rmSync(dir, { recursive: true, force: true })));
  const stopAll = async () => {
    for (const s of [...stops].reverse()) await s().catch((err: Error) => process.stderr.write(`[bench] stop failed: ${err.message}\n`));
  };
  try {
    const [pgPort, temporalPort, uiPort, apiPort] = await freePorts(4);
    const cliPath = await findTemporalCli({ log: (line) => log(`temporal cli: ${line}`) });
    log(`stack in ${dir}: postgres :${pgPort} (fsync on), temporal :${temporalPort} (SQLite WAL), api :${apiPort}`);
    const t0 = performance.now();
    const [pgUrl, temporal, bundle, bareBundle] = await Promise.all([
      (async () => {
        const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: pgPort });
        stops.push(onCleanup('bench postgres', pg.stop));
        await pg.createDatabase('fuhua');
        return pg.url('fuhua');
      })(),
      (async () => {
        const server = await startTemporalDevServer({ cliPath, dbFile: path.join(dir, 'temporal.sqlite'), port: temporalPort, uiPort, namespace: 'default' });
        stops.push(onCleanup('bench temporal dev server', server.stop));
        return server;
      })(),
      bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quietBundler as never }),
      opts.bare ? bundleWorkflowCode({ workflowsPath: require.resolve('./bare-workflow'), logger: quietBundler as never }) : Promise.resolve(null),
    ]);
    const bundlePath = path.join(dir, 'workflow-bundle.js');
    fs.writeFileSync(bundlePath, bundle.code);

    // As `fuhua start`: one knex pool (FUHUA_DB_POOL) shared by the API and the worker.
    const db = createDb({ url: pgUrl, poolMax: defaults.dbPoolMax });
    stops.push(onCleanup('bench db pool', () => db.destroy()));
    await migrateLatest(db);

    const connection = await Connection.connect({ address: temporal.address });
    stops.push(onCleanup('bench temporal client', () => connection.close()));
    const client = new Client({ connection, namespace: 'default' });

    // The product logs at info, one JSON line a request, to a file here as `fuhua start` logs to stdout: in batches
    // (api/logger.ts). Until 2026-12-03 the bench wrote each line with a write(2) of its own, which the product does not.
    const logFile = path.join(dir, 'fuhua.log');
    const fd = fs.openSync(logFile, 'a');
    const appLog = createLogger((process.env.BENCH_LOG_LEVEL as 'info') || 'info', {}, fd);
    // Flushed as the stack stops; the descriptor stays open with the process (the stream may still be writing).
    stops.push(onCleanup('bench log file', async () => appLog.flush()));
    const metrics = createMetrics();

    let workerPid: number | null = null;
    if (opts.worker === 'child') {
      workerPid = await startWorkerProcess(dir, pgUrl, temporal.address, client, stops);
    } else {
      const worker = await createWorker({ address: temporal.address, namespace: 'default', taskQueue: TASK_QUEUE, db, client, log: appLog, metrics, workflowBundlePath: bundlePath, maxCachedWorkflows: defaults.workerCachedWorkflows });
      const running = worker.run();
      stops.push(onCleanup('bench worker', async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running.catch(() => undefined);
      }));
    }

    if (bareBundle) {
      const bareConnection = await NativeConnection.connect({ address: temporal.address });
      const activities: BareActivities = { noop: async () => undefined };
      const bareWorker = await Worker.create({ connection: bareConnection, namespace: 'default', taskQueue: BARE_TASK_QUEUE, workflowBundle: { code: bareBundle.code }, activities });
      const bareRunning = bareWorker.run();
      stops.push(onCleanup('bench bare worker', async () => {
        if (bareWorker.getState() === 'RUNNING') bareWorker.shutdown();
        await bareRunning.catch(() => undefined);
        await bareConnection.close();
      }));
    }

    let apiPid: number | null = null;
    let metricsTexts: () => Promise<string[]> = async () => [await metrics.registry.metrics()];
    if (opts.api) {
      // Process n of the API serves its metrics on this port + n (0 when it runs alone).
      const [metricsPort] = await freePorts(1);
      apiPid = await startApiProcess(dir, pgUrl, temporal.address, apiPort, opts.api.processes, stops, metricsPort);
      const ports = Array.from({ length: opts.api.processes + 1 }, (_, i) => metricsPort + i);
      metricsTexts = async () =>
        (await Promise.all(ports.map((p) => fetch(`http://${LOOPBACK}:${p}/metrics`, { signal: AbortSignal.timeout(5000) }).then((r) => (r.ok ? r.text() : null), () => null)))).filter((t): t is string => t !== null);
    } else await serveInProcess({
      db,
      temporal: { client, taskQueue: TASK_QUEUE },
      config: { bodyLimitBytes: defaults.bodyLimitBytes, tokenTtlMs: defaults.tokenTtlMs, loginMaxFailures: defaults.loginMaxFailures, loginLockMs: defaults.loginLockMs, sessionCacheMs: defaults.sessionCacheMs },
      log: appLog,
      metrics,
      clock: () => new Date(),
    }, apiPort, stops);
    log(`stack ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    return {
      dir,
      baseUrl: `http://${LOOPBACK}:${apiPort}`,
      db,
      pgUrl,
      client,
      temporalAddress: temporal.address,
      pids: {
        temporal: processesMentioning(path.join(dir, 'temporal.sqlite'))[0]?.pid ?? null,
        postgres: processesMentioning(path.join(dir, 'pg'))[0]?.pid ?? null,
        worker: workerPid,
        api: apiPid,
      },
      logFile,
      log: appLog,
      metricsTexts,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** The API in this process, on its own HTTP server. */
async function serveInProcess(deps: Parameters<typeof createApp>[0], port: number, stops: (() => Promise<unknown>)[]): Promise<void> {
  const server = http.createServer(createApp(deps));
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => resolve());
  });
  stops.push(onCleanup('bench api server', () => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  })));
}

/** `node bin/fuhua.js <command>` against our servers, its output in `<dir>/<command>.log`, stopped by SIGTERM at cleanup. */
function spawnFuhua(dir: string, command: 'worker' | 'api', env: NodeJS.ProcessEnv, stops: (() => Promise<unknown>)[]) {
  const logFile = path.join(dir, `${command}.log`);
  const out = fs.openSync(logFile, 'a');
  // BENCH_CPU_PROF=<folder>: each `fuhua worker` / `fuhua api` process (and thread) writes its V8 CPU profile there as it stops.
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...prof, path.join(REPO_ROOT, 'bin', 'fuhua.js'), command], { cwd: REPO_ROOT, env: { ...process.env, LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'info', ...env }, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  stops.push(onCleanup(`bench ${command} process`, async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    signal(child.pid!, 'SIGTERM');
    const t = setTimeout(() => signal(child.pid!, 'SIGKILL'), 30_000);
    await exited;
    clearTimeout(t);
  }));
  const failed = () => (child.exitCode !== null ? new Error(`the ${command} process exited with code ${child.exitCode}; see ${logFile}`) : null);
  return { pid: child.pid!, failed };
}

/** `node bin/fuhua.js api` (FUHUA_API_PROCESSES of them sharing the port); resolves once /readyz answers 200. */
async function startApiProcess(dir: string, pgUrl: string, address: string, port: number, processes: number, stops: (() => Promise<unknown>)[], metricsPort: number): Promise<number> {
  const child = spawnFuhua(dir, 'api', {
    DATABASE_URL: pgUrl, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default', FUHUA_TASK_QUEUE: TASK_QUEUE, PORT: String(port), HOST: LOOPBACK,
    FUHUA_API_PROCESSES: String(processes), FUHUA_DB_POOL: String(defaults.dbPoolMax), FUHUA_METRICS_PORT: String(metricsPort), FUHUA_METRICS_HOST: LOOPBACK,
  }, stops);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const err = child.failed();
    if (err) throw err;
    if (Date.now() > deadline) throw new Error('the api process did not answer /readyz within 120 s');
    const ready = await fetch(`http://${LOOPBACK}:${port}/readyz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status === 200, () => false);
    if (ready) return child.pid;
    await sleep(250);
  }
}

/** `node bin/fuhua.js worker` against our servers; resolves once its pollers are seen on both task types. */
async function startWorkerProcess(dir: string, pgUrl: string, address: string, client: Client, stops: (() => Promise<unknown>)[]): Promise<number> {
  const child = spawnFuhua(dir, 'worker', { DATABASE_URL: pgUrl, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default', FUHUA_TASK_QUEUE: TASK_QUEUE, PORT: undefined }, stops);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const err = child.failed();
    if (err) throw err;
    if (Date.now() > deadline) throw new Error('the worker process did not poll within 120 s');
    const polling = await Promise.all(
      [1, 2].map((taskQueueType) =>
        client.workflowService
          .describeTaskQueue({ namespace: 'default', taskQueue: { name: TASK_QUEUE }, taskQueueType })
          .then((r) => (r.pollers?.length ?? 0) > 0)
          .catch(() => false),
      ),
    );
    if (polling.every(Boolean)) return child.pid;
    await sleep(250);
  }
}

// ---- CPU: where the time goes (bench process = client (+ API and worker when in-process); API and worker when their own processes; Temporal; PostgreSQL) ----

export type Cpu = Record<string, number>;

export function cpuNow(stack: BenchStack): Cpu {
  const self = process.cpuUsage();
  const tree = (pid: number | null) => (pid ? Object.values(cpuByKind(pid)).reduce((a, b) => a + b, 0) : 0);
  const out: Cpu = { bench: (self.user + self.system) / 1e6, temporal: tree(stack.pids.temporal), postgres: tree(stack.pids.postgres) };
  if (stack.pids.worker) out.worker = tree(stack.pids.worker);
  if (stack.pids.api) out.api = tree(stack.pids.api);
  return out;
}

export interface CpuUse {
  /** CPU milliseconds per unit of work, by process. */
  msPer: Record<string, number>;
  /** Cores kept busy on average, by process, and in total (of the machine's). */
  coresBusy: Record<string, number>;
  cores: number;
}

export function cpuUse(a: Cpu, b: Cpu, units: number, seconds: number): CpuUse {
  const msPer: Record<string, number> = {};
  const coresBusy: Record<string, number> = {};
  let total = 0;
  for (const k of Object.keys(b)) {
    const d = b[k] - (a[k] ?? 0);
    total += d;
    msPer[k] = round((d * 1000) / Math.max(1, units), 1);
    coresBusy[k] = round(d / seconds, 2);
  }
  coresBusy.total = round(total / seconds, 2);
  return { msPer, coresBusy, cores: os.cpus().length };
}

export function formatCpu(c: CpuUse, unit: string): string {
  const names = Object.keys(c.msPer);
  return `CPU ms per ${unit}: ${names.map((k) => `${k} ${c.msPer[k]}`).join(', ')}; cores busy ${c.coresBusy.total} of ${c.cores} (${names.map((k) => `${k} ${c.coresBusy[k]}`).join(', ')})`;
}
