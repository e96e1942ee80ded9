/**
 * Fuhua on a real Temporal cluster on PostgreSQL, as production runs it, on one machine: Temporal's two databases
 * created and migrated with temporal-sql-tool, the server config written from the module's
 * development-postgres12.yaml, each Temporal service in its own process (frontend, two history, matching, the
 * internal worker), then `fuhua migrate`, `fuhua api` (FUHUA_API_PROCESSES behind one port) and `fuhua worker`
 * processes. A supervisor restarts any process that dies while the cluster runs; stop() ends them in order.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TemporalServerFiles } from './temporal-server';
import { WORKFLOW_BUNDLE_FILE, prebuiltWorkflowBundle } from './worker';

export type TemporalService = 'frontend' | 'history' | 'matching' | 'worker';

export interface ClusterOptions {
  files: TemporalServerFiles;
  /** Config files and one log file per process go here. */
  dir: string;
  /** A PostgreSQL URL whose user may create databases: Temporal's two databases are created beside its database. */
  adminUrl: string;
  /** The database the Fuhua API and workers use. */
  fuhuaUrl: string;
  /** Names of Temporal's databases (default temporal, temporal_visibility). */
  temporalDb?: string;
  visibilityDb?: string;
  /** Frontend gRPC port (default: a free port). */
  frontendPort?: number;
  apiPort?: number;
  host?: string;
  namespace?: string;
  taskQueue?: string;
  historyProcesses?: number;
  apiProcesses?: number;
  workers?: number;
  numHistoryShards?: number;
  /** Extra environment for the Fuhua processes (FUHUA_ADMIN_PASSWORD, LOG_LEVEL, ...). */
  fuhuaEnv?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** Called as soon as processes may exist, so a signal during the start can stop (or kill) them. */
  onProcesses?: (handle: { stop: () => Promise<void>; kill: () => void }) => void;
}

export interface SupervisedProcess {
  name: string;
  logFile: string;
  kind: 'temporal' | 'fuhua';
  readonly pid: number | undefined;
  readonly restarts: number;
  /** Signals the whole process group (a `fuhua api` primary and its forks). The supervisor restarts it. */
  kill: (signal?: NodeJS.Signals) => void;
  /** Resolves when the current incarnation has exited. */
  exited: () => Promise<void>;
}

export interface RunningCluster {
  frontendAddress: string;
  apiUrl: string;
  namespace: string;
  taskQueue: string;
  processes: SupervisedProcess[];
  /** Text `fuhua migrate` printed (the first admin's password on a first start). */
  migrateOutput: string;
  logDir: string;
  stop: () => Promise<void>;
  /** Synchronous last resort: SIGKILL every process group. */
  kill: () => void;
}

const FUHUA_ENTRY = path.join(__dirname, 'fuhua.js');
const READY_TIMEOUT_MS = 180_000;

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * n distinct free ports below 32768: Temporal stores membership ports in a smallint column, so the kernel's
 * ephemeral range (32768 and up) is out.
 */
async function freePorts(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let attempt = 0; out.length < n; attempt++) {
    if (attempt > 2000) throw new Error(`no ${n} free ports found between 20000 and 32767`);
    const p = 20000 + Math.floor(Math.random() * 12768);
    if (!out.includes(p) && (await portFree(p))) out.push(p);
  }
  return out;
}

/** A first port such that it and the next n - 1 are free now. */
async function freeRun(n: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await freePort();
    if (first + n > 65535) continue;
    const rest = await Promise.all(Array.from({ length: n - 1 }, (_, i) => portFree(first + i + 1)));
    if (rest.every(Boolean)) return first;
  }
  throw new Error(`no run of ${n} free ports found`);
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** The last lines of a log file that mention an error, for a failure message. */
function lastLines(file: string, n: number): string {
  try {
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => /error|fatal|fail/i.test(l));
    return lines.slice(-n).map((l) => l.slice(0, 400)).join(' | ') || '(no error in its log)';
  } catch {
    return '(no log)';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Rewrites values of a simple YAML file (nested maps of scalars, as development-postgres12.yaml is) by dotted path.
 * Every override must match a line: a template that changed shape fails loudly instead of running half-configured.
 */
export function renderYaml(template: string, overrides: Record<string, string | number | boolean>): string {
  const stack: { indent: number; key: string }[] = [];
  const used = new Set<string>();
  const lines = template.split('\n').map((line) => {
    const m = /^(\s*)([A-Za-z0-9_.-]+):(\s*)(.*)$/.exec(line);
    if (!m || line.trimStart().startsWith('#')) return line;
    const indent = m[1].length;
    while (stack.length && stack[stack.length - 1].indent >= indent) stack.pop();
    const key = [...stack.map((s) => s.key), m[2]].join('.');
    stack.push({ indent, key: m[2] });
    if (!(key in overrides)) return line;
    used.add(key);
    return `${m[1]}${m[2]}: ${JSON.stringify(overrides[key])}`;
  });
  const unused = Object.keys(overrides).filter((k) => !used.has(k));
  if (unused.length) throw new Error(`the Temporal config template has no ${unused.join(', ')}`);
  return lines.join('\n');
}

function execTool(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(file, args, { env, timeout: 5 * 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${path.basename(file)} ${args.join(' ')} failed: ${(stderr || stdout || err.message).trim().split('\n').slice(-5).join('\n')}`)) : resolve(stdout + stderr),
    ),
  );
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** create-database when missing, setup-schema -v 0.0 when there is no schema yet, then update-schema (a no-op when current). */
export async function migrateTemporalDatabases(files: TemporalServerFiles, adminUrl: string, databases: { name: string; schema: 'temporal' | 'visibility' }[], log: (l: string) => void): Promise<void> {
  const u = new URL(adminUrl);
  // The password goes by environment, not on a command line other users can read.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SQL_PLUGIN: 'postgres12',
    SQL_HOST: u.hostname,
    SQL_PORT: u.port || '5432',
    SQL_USER: decodeURIComponent(u.username),
    SQL_PASSWORD: decodeURIComponent(u.password),
  };
  for (const db of databases) {
    const admin = new PgClient({ connectionString: adminUrl });
    await admin.connect();
    const exists = (await admin.query('select 1 from pg_database where datname = $1', [db.name])).rowCount! > 0;
    await admin.end();
    const dbEnv = { ...env, SQL_DATABASE: db.name };
    if (!exists) {
      log(`creating database ${db.name}`);
      await execTool(files.sqlTool, ['create-database'], dbEnv);
    }
    const client = new PgClient({ connectionString: withDatabase(adminUrl, db.name) });
    await client.connect();
    const hasSchema = (await client.query("select 1 from information_schema.tables where table_name = 'schema_version'")).rowCount! > 0;
    await client.end();
    if (!hasSchema) await execTool(files.sqlTool, ['setup-schema', '-v', '0.0'], dbEnv);
    await execTool(files.sqlTool, ['update-schema', '-d', path.join(files.schemaDir, db.schema, 'versioned')], dbEnv);
    log(`database ${db.name}: schema current`);
  }
}

interface ServiceSpec {
  name: string;
  service: TemporalService;
  grpcPort: number;
  membershipPort: number;
  metricsPort: number;
}

function serviceConfig(template: string, o: { u: URL; temporalDb: string; visibilityDb: string; shards: number; dynamicConfig: string; ports: Record<TemporalService, { grpc: number; membership: number }>; httpPort: number; metricsPort: number }): string {
  const sql = (db: string, conns: number) => ({
    databaseName: db,
    connectAddr: `${o.u.hostname}:${o.u.port || '5432'}`,
    user: decodeURIComponent(o.u.username),
    password: decodeURIComponent(o.u.password),
    maxConns: conns,
    maxIdleConns: conns,
  });
  const overrides: Record<string, string | number | boolean> = {
    'log.level': 'warn',
    'persistence.numHistoryShards': o.shards,
    'global.pprof.port': 0,
    'global.metrics.prometheus.listenAddress': `127.0.0.1:${o.metricsPort}`,
    'services.frontend.rpc.httpPort': o.httpPort,
    'clusterMetadata.clusterInformation.active.rpcAddress': `127.0.0.1:${o.ports.frontend.grpc}`,
    'dynamicConfigClient.filepath': o.dynamicConfig,
  };
  for (const [store, db, conns] of [['postgres-default', o.temporalDb, 10], ['postgres-visibility', o.visibilityDb, 2]] as const) {
    for (const [k, v] of Object.entries(sql(db, conns))) overrides[`persistence.datastores.${store}.sql.${k}`] = v;
  }
  for (const s of ['frontend', 'history', 'matching', 'worker'] as const) {
    overrides[`services.${s}.rpc.grpcPort`] = o.ports[s].grpc;
    overrides[`services.${s}.rpc.membershipPort`] = o.ports[s].membership;
  }
  return renderYaml(template, overrides);
}

/** Dynamic config: what the product relies on, stated rather than left to the server's defaults. */
const DYNAMIC_CONFIG = `# Written by fuhua cluster.
frontend.enableUpdateWorkflowExecution:
  - value: true
frontend.enableExecuteMultiOperation:
  - value: true
`;

interface Supervisor {
  processes: SupervisedProcess[];
  add: (name: string, kind: 'temporal' | 'fuhua', logFile: string, start: () => ChildProcess) => SupervisedProcess;
  stopping: () => void;
  isStopping: () => boolean;
  stopGroup: (names: string[], graceMs: number) => Promise<void>;
  killAll: () => void;
}

function supervisor(log: (l: string) => void): Supervisor {
  let stopping = false;
  const processes: (SupervisedProcess & { child: ChildProcess | null; done: Promise<void> })[] = [];
  const signalGroup = (child: ChildProcess | null, signal: NodeJS.Signals) => {
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      /* already gone */
    }
  };
  const add = (name: string, kind: 'temporal' | 'fuhua', logFile: string, start: () => ChildProcess) => {
    let restarts = 0;
    const p = {
      name,
      logFile,
      kind,
      child: null as ChildProcess | null,
      done: Promise.resolve(),
      get pid() {
        return p.child?.pid;
      },
      get restarts() {
        return restarts;
      },
      kill: (signal: NodeJS.Signals = 'SIGKILL') => signalGroup(p.child, signal),
      exited: () => p.done,
    };
    const launch = () => {
      const child = start();
      const started = Date.now();
      p.child = child;
      p.done = new Promise<void>((resolve) =>
        child.once('exit', (code, signal) => {
          // The group may hold forks (the API's node:cluster workers): they go with their primary.
          try {
            if (child.pid) process.kill(-child.pid, 'SIGKILL');
          } catch {
            /* none left */
          }
          resolve();
          if (stopping) return;
          restarts++;
          const delay = Date.now() - started < 10_000 ? 2000 : 200;
          log(`${name} exited (${signal ?? `code ${code}`}); restarting it`);
          setTimeout(() => {
            if (!stopping) launch();
          }, delay);
        }),
      );
    };
    if (!stopping) launch();
    processes.push(p);
    return p;
  };
  return {
    processes,
    add,
    stopping: () => {
      stopping = true;
    },
    isStopping: () => stopping,
    stopGroup: async (names, graceMs) => {
      const group = processes.filter((p) => names.includes(p.name));
      await Promise.all(
        group.map(async (p) => {
          signalGroup(p.child, 'SIGTERM');
          const force = setTimeout(() => signalGroup(p.child, 'SIGKILL'), graceMs);
          await p.done;
          clearTimeout(force);
        }),
      );
    },
    killAll: () => {
      stopping = true;
      processes.forEach((p) => signalGroup(p.child, 'SIGKILL'));
    },
  };
}

function spawnLogged(file: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): ChildProcess {
  const out = fs.openSync(logFile, 'a');
  try {
    // Own process group: a terminal's Ctrl-C reaches only the supervisor, which stops everything in order.
    return spawn(file, args, { env, stdio: ['ignore', out, out], detached: true });
  } finally {
    fs.closeSync(out);
  }
}

export async function startCluster(opts: ClusterOptions): Promise<RunningCluster> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`[cluster] ${l}\n`));
  const host = opts.host ?? '127.0.0.1';
  const namespace = opts.namespace ?? 'default';
  const taskQueue = opts.taskQueue ?? 'fuhua';
  const historyProcesses = opts.historyProcesses ?? 2;
  const apiProcesses = opts.apiProcesses ?? 2;
  const workers = opts.workers ?? 2;
  const temporalDb = opts.temporalDb ?? 'temporal';
  const visibilityDb = opts.visibilityDb ?? 'temporal_visibility';
  const logDir = path.join(opts.dir, 'logs');
  const configDir = path.join(opts.dir, 'config');
  fs.mkdirSync(logDir, { recursive: true });
  fs.mkdirSync(configDir, { recursive: true });

  await migrateTemporalDatabases(opts.files, opts.adminUrl, [{ name: temporalDb, schema: 'temporal' }, { name: visibilityDb, schema: 'visibility' }], log);

  const ports = await freePorts(20);
  const take = () => ports.shift()!;
  const frontendPort = opts.frontendPort ?? take();
  const apiPort = opts.apiPort ?? take();
  const specs: ServiceSpec[] = [
    { name: 'temporal-frontend', service: 'frontend', grpcPort: frontendPort, membershipPort: take(), metricsPort: take() },
    ...Array.from({ length: historyProcesses }, (_, i): ServiceSpec => ({ name: `temporal-history-${i + 1}`, service: 'history', grpcPort: take(), membershipPort: take(), metricsPort: take() })),
    { name: 'temporal-matching', service: 'matching', grpcPort: take(), membershipPort: take(), metricsPort: take() },
    { name: 'temporal-worker', service: 'worker', grpcPort: take(), membershipPort: take(), metricsPort: take() },
  ];
  const httpPort = take();
  const template = fs.readFileSync(opts.files.configTemplate, 'utf8');
  const dynamicConfig = path.join(configDir, 'dynamic.yaml');
  fs.writeFileSync(dynamicConfig, DYNAMIC_CONFIG);
  const u = new URL(opts.adminUrl);
  const base: Record<TemporalService, { grpc: number; membership: number }> = {
    frontend: { grpc: specs[0].grpcPort, membership: specs[0].membershipPort },
    history: { grpc: specs[1].grpcPort, membership: specs[1].membershipPort },
    matching: { grpc: specs[historyProcesses + 1].grpcPort, membership: specs[historyProcesses + 1].membershipPort },
    worker: { grpc: specs[historyProcesses + 2].grpcPort, membership: specs[historyProcesses + 2].membershipPort },
  };
  for (const s of specs) {
    // One file per process: each binds only its own service's ports, and its own metrics port.
    const text = serviceConfig(template, { u, temporalDb, visibilityDb, shards: opts.numHistoryShards ?? 4, dynamicConfig, httpPort, metricsPort: s.metricsPort, ports: { ...base, [s.service]: { grpc: s.grpcPort, membership: s.membershipPort } } });
    fs.writeFileSync(path.join(configDir, `${s.name}.yaml`), text, { mode: 0o600 });
  }

  const sup = supervisor(log);
  const stopAll = async () => {
    sup.stopping();
    const fuhua = sup.processes.filter((p) => p.kind === 'fuhua').map((p) => p.name);
    await sup.stopGroup(fuhua, 30_000);
    // Front door first, then the internal worker and matching, history last (it owns the shards' state).
    for (const group of [['temporal-frontend'], ['temporal-worker'], ['temporal-matching'], specs.filter((s) => s.service === 'history').map((s) => s.name)]) {
      await sup.stopGroup(group, 15_000);
    }
  };
  opts.onProcesses?.({ stop: stopAll, kill: sup.killAll });
  try {
    for (const s of specs) {
      const logFile = path.join(logDir, `${s.name}.log`);
      sup.add(s.name, 'temporal', logFile, () =>
        spawnLogged(opts.files.server, ['--root', opts.dir, '--config', 'config', '--env', s.name, '--allow-no-auth', 'start', '--service', s.service], process.env, logFile),
      );
    }
    const frontendAddress = `127.0.0.1:${frontendPort}`;
    log(`Temporal services starting: ${specs.map((s) => `${s.name} :${s.grpcPort}`).join(', ')}`);
    await waitForFrontend(frontendAddress, namespace, sup, log);

    const fuhuaEnv: NodeJS.ProcessEnv = {
      ...process.env,
      ...opts.fuhuaEnv,
      DATABASE_URL: opts.fuhuaUrl,
      TEMPORAL_ADDRESS: frontendAddress,
      TEMPORAL_NAMESPACE: namespace,
      FUHUA_TASK_QUEUE: taskQueue,
      // Names the cluster's folder on its Fuhua processes, so a start after a kill -9 finds them (bin/leftovers.ts).
      FUHUA_CLUSTER_DIR: path.resolve(opts.dir),
    };
    delete fuhuaEnv.FUHUA_WORKER_METRICS_PORT;
    // The API processes serve metrics on base + 1, base + 2, ...: a free run of ports, never the default shared one.
    const metricsBase = await freeRun(apiProcesses + 1);
    // One workflow bundle for every worker process (the one `npm run build` made, or one made here), so each
    // worker starts without running webpack itself.
    if (!prebuiltWorkflowBundle(fuhuaEnv.FUHUA_WORKFLOW_BUNDLE || null)) {
      const bundle = path.join(opts.dir, WORKFLOW_BUNDLE_FILE);
      const quiet = { info() {}, warn() {}, error: (m: string) => log(`bundler: ${m}`), debug() {}, trace() {}, log() {} };
      fs.writeFileSync(bundle, (await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quiet as never })).code);
      fuhuaEnv.FUHUA_WORKFLOW_BUNDLE = bundle;
    }
    const migrateOutput = await execTool(process.execPath, [FUHUA_ENTRY, 'migrate'], fuhuaEnv);
    for (let i = 1; i <= workers; i++) {
      const logFile = path.join(logDir, `fuhua-worker-${i}.log`);
      sup.add(`fuhua-worker-${i}`, 'fuhua', logFile, () => spawnLogged(process.execPath, [FUHUA_ENTRY, 'worker'], fuhuaEnv, logFile));
    }
    const apiLog = path.join(logDir, 'fuhua-api.log');
    sup.add('fuhua-api', 'fuhua', apiLog, () =>
      spawnLogged(process.execPath, [FUHUA_ENTRY, 'api'], { ...fuhuaEnv, PORT: String(apiPort), HOST: host, FUHUA_API_PROCESSES: String(apiProcesses), FUHUA_METRICS_PORT: String(metricsBase), FUHUA_METRICS_HOST: '127.0.0.1' }, apiLog),
    );
    const apiUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${apiPort}`;
    await waitForFuhua(apiUrl, frontendAddress, namespace, taskQueue, workers, sup);
    return { frontendAddress, apiUrl, namespace, taskQueue, processes: sup.processes, migrateOutput, logDir, stop: stopAll, kill: sup.killAll };
  } catch (err) {
    await stopAll();
    throw new Error(`${(err as Error).message} (logs in ${logDir})`);
  }
}

/** Until the frontend answers and the namespace exists (registered here the first time) and is served. */
async function waitForFrontend(address: string, namespace: string, sup: Supervisor, log: (l: string) => void): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let registered = false;
  let last = '';
  while (Date.now() < deadline) {
    if (sup.isStopping()) throw new Error('stopped while starting');
    const failing = sup.processes.find((p) => p.restarts >= 3);
    if (failing) throw new Error(`${failing.name} keeps exiting: ${lastLines(failing.logFile, 3)}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2000 });
      try {
        await connection.workflowService.getSystemInfo({});
        if (!registered) {
          try {
            await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(7 * 86_400_000) });
            log(`namespace ${namespace} registered`);
          } catch (err) {
            if (!/already exists|AlreadyExists/i.test((err as Error).message)) throw err;
          }
          registered = true;
        }
        await connection.workflowService.describeNamespace({ namespace });
        // Visibility answers only once the namespace is known to every service that serves it.
        await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(500);
  }
  throw new Error(`the Temporal frontend at ${address} did not become ready in ${READY_TIMEOUT_MS / 1000} s (last: ${last}; restarts: ${sup.processes.map((p) => `${p.name} ${p.restarts}`).join(', ')})`);
}

/** Until /readyz answers 200 and `workers` worker identities poll both the workflow and the activity queue. */
async function waitForFuhua(apiUrl: string, address: string, namespace: string, taskQueue: string, workers: number, sup: Supervisor): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const connection = await Connection.connect({ address });
  let last = '';
  try {
    while (Date.now() < deadline) {
      if (sup.isStopping()) throw new Error('stopped while starting');
      const crashed = sup.processes.find((p) => p.restarts >= 3);
      if (crashed) throw new Error(`${crashed.name} keeps exiting: ${lastLines(crashed.logFile, 3)}`);
      const ready = await fetch(`${apiUrl}/readyz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status === 200, (e: Error) => ((last = e.message), false));
      const polling = await Promise.all(
        [1, 2].map((taskQueueType) =>
          connection.workflowService
            .describeTaskQueue({ namespace, taskQueue: { name: taskQueue }, taskQueueType })
            .then((r) => new Set((r.pollers ?? []).map((p) => p.identity)).size >= workers)
            .catch(() => false),
        ),
      );
      if (ready && polling.every(Boolean)) return;
      last = ready ? 'workers not polling yet' : last || '/readyz not 200 yet';
      await sleep(500);
    }
  } finally {
    await connection.close();
  }
  throw new Error(`Fuhua on the cluster did not become ready in ${READY_TIMEOUT_MS / 1000} s (${last})`);
}
