import path from 'node:path';
import type { LogLevel } from '../api/logger';

export class ConfigError extends Error {}

export interface Config {
  host: string;
  port: number;
  databaseUrl: string | null;
  dataDir: string;
  pgPort: number;
  temporalAddress: string | null;
  temporalNamespace: string;
  temporalPort: number;
  temporalUiPort: number;
  taskQueue: string;
  adminPassword: string | null;
  tokenTtlMs: number;
  loginMaxFailures: number;
  loginLockMs: number;
  bodyLimitBytes: number;
  logLevel: LogLevel;
  workerMetricsPort: number | null;
  metricsPort: number | null;
  metricsHost: string;
  sessionCacheMs: number;
  updateTimeoutMs: number;
  apiProcesses: number;
  dbPoolMax: number;
  workerCachedWorkflows: number;
  workflowBundle: string | null;
  trustProxy: string | number | null;
}

/** Every variable the product reads, with its default and meaning: the README's configuration table is this list. */
export const CONFIG_VARIABLES: { name: string; default: string; meaning: string }[] = [
  { name: 'PORT', default: '3000', meaning: 'HTTP port of the API' },
  { name: 'HOST', default: '127.0.0.1', meaning: 'Address the API binds (0.0.0.0 in containers)' },
  { name: 'DATABASE_URL', default: '(unset: embedded PostgreSQL)', meaning: 'PostgreSQL connection string; when unset `fuhua start` runs its own PostgreSQL under FUHUA_DATA_DIR' },
  { name: 'FUHUA_DATA_DIR', default: '.data', meaning: 'Where the local stack keeps PostgreSQL data, the Temporal SQLite file and its lock' },
  { name: 'FUHUA_PG_PORT', default: '5488', meaning: 'Port of the embedded PostgreSQL (kept off 5432 so it never meets a system PostgreSQL)' },
  { name: 'TEMPORAL_ADDRESS', default: '(unset: local dev server)', meaning: 'host:port of a Temporal frontend; when unset `fuhua start` runs `temporal server start-dev`' },
  { name: 'TEMPORAL_NAMESPACE', default: 'default', meaning: 'Temporal namespace' },
  { name: 'FUHUA_TEMPORAL_PORT', default: '7233', meaning: 'gRPC port of the local Temporal dev server' },
  { name: 'FUHUA_TEMPORAL_UI_PORT', default: '8233', meaning: 'Web UI port of the local Temporal dev server' },
  { name: 'FUHUA_TEMPORAL_CLI', default: '(found)', meaning: 'Path of the Temporal CLI; otherwise PATH, the cache, a download or `go install` are tried' },
  { name: 'FUHUA_TEMPORAL_SERVER', default: '(found)', meaning: 'Path of temporal-server v1.29.1 for `fuhua cluster`; otherwise PATH, the cache or `go install` are tried' },
  { name: 'FUHUA_TEMPORAL_SQL_TOOL', default: '(found)', meaning: 'Path of temporal-sql-tool v1.29.1 for `fuhua cluster`, found the same way' },
  { name: 'FUHUA_CACHE_DIR', default: '~/.cache/fuhua', meaning: 'Where a built or downloaded Temporal CLI (and the Temporal server of `fuhua cluster`) is cached, outside the repository' },
  { name: 'FUHUA_TASK_QUEUE', default: 'fuhua', meaning: 'Temporal task queue of the worker' },
  { name: 'FUHUA_ADMIN_PASSWORD', default: '(generated, printed once)', meaning: 'Password of the `admin` account created on first start' },
  { name: 'FUHUA_TOKEN_TTL', default: 'PT12H', meaning: 'Lifetime of a login token (ISO 8601 duration)' },
  { name: 'FUHUA_LOGIN_MAX_FAILURES', default: '5', meaning: 'Failed sign-ins in a row that lock an account' },
  { name: 'FUHUA_LOGIN_LOCK', default: 'PT15M', meaning: 'How long such a lock lasts (ISO 8601 duration)' },
  { name: 'FUHUA_TRUST_PROXY', default: '(unset: trust no proxy)', meaning: "Which reverse proxies the API trusts for the client's address (Express's `trust proxy`: a hop count such as 1, or addresses and subnets such as `loopback, 10.0.0.0/8`); sign-in throttling keys on that address" },
  { name: 'FUHUA_BODY_LIMIT', default: '1048576', meaning: 'Largest request body in bytes (413 beyond)' },
  { name: 'FUHUA_METRICS_PORT', default: '9464', meaning: 'Port where `fuhua start` and `fuhua api` serve Prometheus /metrics, apart from the API (0: none); with several API processes, process n serves on this port + n' },
  { name: 'FUHUA_METRICS_HOST', default: '127.0.0.1', meaning: 'Address the metrics port binds: keep it private (a scraper on the same host or network)' },
  { name: 'FUHUA_WORKER_METRICS_PORT', default: '(unset: off)', meaning: 'Port where `fuhua worker` serves its own /metrics (bound to FUHUA_METRICS_HOST)' },
  { name: 'FUHUA_SESSION_CACHE_MS', default: '5000', meaning: 'How long an API process keeps a signed-in session in memory (0: ask the database every request); another process may honour a revoked token that long' },
  { name: 'FUHUA_UPDATE_TIMEOUT_MS', default: '25000', meaning: 'How long a request waits for its stage move before answering 503 with Retry-After (the move may still complete; retry with the same Idempotency-Key)' },
  { name: 'FUHUA_API_PROCESSES', default: '1', meaning: 'API processes sharing the port (node:cluster), to use more than one core; with `start` they run beside the process that holds PostgreSQL, Temporal and the worker' },
  { name: 'FUHUA_DB_POOL', default: '20', meaning: 'Largest number of PostgreSQL connections per process' },
  { name: 'FUHUA_WORKER_CACHED_WORKFLOWS', default: '500', meaning: 'Workflows the worker keeps in memory between tasks (others are replayed from history when they next run)' },
  { name: 'FUHUA_WORKFLOW_BUNDLE', default: '(dist/workflow-bundle.js when built)', meaning: 'Prebuilt workflow bundle the worker loads (`npm run build` writes one); without one the worker bundles the workflows from source at start' },
  { name: 'LOG_LEVEL', default: 'info', meaning: 'debug, info, warn, error or silent' },
];

/** FUHUA_TRUST_PROXY as Express takes it: a hop count, or a comma-separated list of addresses, subnets and names. */
function trustProxy(value: string | undefined): string | number | null {
  const v = value?.trim();
  if (!v) return null;
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    if (hops < 1 || hops > 10) throw new ConfigError('FUHUA_TRUST_PROXY as a hop count must be 1-10');
    return hops;
  }
  if (/^(true|false)$/i.test(v)) throw new ConfigError('FUHUA_TRUST_PROXY: name the proxies (a hop count, addresses or subnets), not true or false');
  if (!/^[\w.:/\-, ]+$/.test(v)) throw new ConfigError('FUHUA_TRUST_PROXY must be a hop count or a comma-separated list of addresses, subnets, loopback, linklocal or uniquelocal');
  return v;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
  return Number(raw);
}

const EXACT_DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

function durationMs(env: NodeJS.ProcessEnv, name: string, fallback: string): number {
  const raw = env[name] || fallback;
  const m = EXACT_DURATION.exec(raw);
  const ms = m ? ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60_000 + Number(m[4] ?? 0) * 1000 : 0;
  if (!m || raw === 'P' || raw.endsWith('T') || ms <= 0) throw new ConfigError(`${name} must be an ISO 8601 duration in days, hours, minutes or seconds, such as PT12H (got "${raw}")`);
  return ms;
}

function url(env: NodeJS.ProcessEnv, name: string, protocols: string[]): string | null {
  const raw = env[name];
  if (!raw) return null;
  try {
    const u = new URL(raw);
    if (!protocols.includes(u.protocol)) throw new Error();
  } catch {
    throw new ConfigError(`${name} must be a ${protocols.join(' or ')}// URL (got "${raw.replace(/:[^:@/]*@/, ':***@')}")`);
  }
  return raw;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const logLevel = (env.LOG_LEVEL || 'info') as LogLevel;
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be debug, info, warn, error or silent (got "${logLevel}")`);
  const temporalAddress = env.TEMPORAL_ADDRESS || null;
  if (temporalAddress && !/^[A-Za-z0-9.-]+:\d{1,5}$/.test(temporalAddress)) throw new ConfigError(`TEMPORAL_ADDRESS must be host:port (got "${temporalAddress}")`);
  const adminPassword = env.FUHUA_ADMIN_PASSWORD || null;
  if (adminPassword !== null && adminPassword.length < 10) throw new ConfigError('FUHUA_ADMIN_PASSWORD must be at least 10 characters');
  const metricsPort = env.FUHUA_WORKER_METRICS_PORT ? int(env, 'FUHUA_WORKER_METRICS_PORT', 0, 1, 65535) : null;
  return {
    host: env.HOST || '127.0.0.1',
    port: int(env, 'PORT', 3000, 0, 65535),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    dataDir: path.resolve(cwd, env.FUHUA_DATA_DIR || '.data'),
    pgPort: int(env, 'FUHUA_PG_PORT', 5488, 1, 65535),
    temporalAddress,
    temporalNamespace: env.TEMPORAL_NAMESPACE || 'default',
    temporalPort: int(env, 'FUHUA_TEMPORAL_PORT', 7233, 1, 65535),
    temporalUiPort: int(env, 'FUHUA_TEMPORAL_UI_PORT', 8233, 1, 65535),
    taskQueue: env.FUHUA_TASK_QUEUE || 'fuhua',
    adminPassword,
    tokenTtlMs: durationMs(env, 'FUHUA_TOKEN_TTL', 'PT12H'),
    loginMaxFailures: int(env, 'FUHUA_LOGIN_MAX_FAILURES', 5, 1, 1000),
    loginLockMs: durationMs(env, 'FUHUA_LOGIN_LOCK', 'PT15M'),
    bodyLimitBytes: int(env, 'FUHUA_BODY_LIMIT', 1024 * 1024, 1024, 100 * 1024 * 1024),
    logLevel,
    workerMetricsPort: metricsPort,
    metricsPort: int(env, 'FUHUA_METRICS_PORT', 9464, 0, 65535) || null,
    metricsHost: env.FUHUA_METRICS_HOST || '127.0.0.1',
    sessionCacheMs: int(env, 'FUHUA_SESSION_CACHE_MS', 5000, 0, 600_000),
    updateTimeoutMs: int(env, 'FUHUA_UPDATE_TIMEOUT_MS', 25_000, 1000, 600_000),
    apiProcesses: int(env, 'FUHUA_API_PROCESSES', 1, 1, 64),
    dbPoolMax: int(env, 'FUHUA_DB_POOL', 20, 1, 500),
    workerCachedWorkflows: int(env, 'FUHUA_WORKER_CACHED_WORKFLOWS', 500, 1, 100_000),
    trustProxy: trustProxy(env.FUHUA_TRUST_PROXY),
    workflowBundle: env.FUHUA_WORKFLOW_BUNDLE ? path.resolve(cwd, env.FUHUA_WORKFLOW_BUNDLE) : null,
  };
}
