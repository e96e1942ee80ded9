// Section "http" (issue 2): an authenticated `GET /api/v1/me` on the running `fuhua start` stack under 50
// connections, beside a bare Express route in its own process, measured in the same run.
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import autocannon from 'autocannon';
import { launchFuhua, type FuhuaProcess } from './startup';
import {
  LOOPBACK, REPO_ROOT, cpuByKind, freePorts, heading, loadavg1, log, onCleanup, portOpen, print, round, signal, sleep, table, target, tempDir,
  type TargetResult,
} from './util';
import fs from 'node:fs';
import { embeddedDatabaseUrl } from '../bin/embedded-postgres';

const CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS || 50);
const DURATION_S = Number(process.env.BENCH_HTTP_DURATION || 10);
const WARMUP_S = 2;
/** Rounds of (`fuhua api` alone, bare route), taken in turn so a drift in the machine's load falls on both sides. */
const ROUNDS = Math.max(1, Number(process.env.BENCH_HTTP_ROUNDS || 3));
/**
 * BENCH_HTTP_AGAINST=<git revision>: also runs `fuhua api` from that revision (a worktree of it, with this tree's
 * node_modules) on the same stack, and compares the two in short rounds taken in turn: BENCH_HTTP_PAIRS pairs of
 * BENCH_HTTP_PAIR_S seconds. A change to `/me` of a few percent is lost in the rounds above, which drift with the
 * machine by more than that; the median over many short pairs of the ratio between the two is not.
 */
const AGAINST = process.env.BENCH_HTTP_AGAINST || '';
const PAIRS = Math.max(1, Number(process.env.BENCH_HTTP_PAIRS || 24));
const PAIR_S = Math.max(1, Number(process.env.BENCH_HTTP_PAIR_S || 3));

export interface LoadResult {
  name: string;
  url: string;
  connections: number;
  durationS: number;
  requests: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** CPU microseconds per request, by process kind (server side) and for the load generator. */
  cpuUsPerRequest: Record<string, number>;
  loadavgBefore: number;
}

export interface HttpResult {
  authenticated: LoadResult;
  /** The same request on `fuhua api` alone, as production runs it (the worker in its own process). */
  apiProcess: LoadResult;
  apiProcessRatio: number;
  /** Each round's (`fuhua api` alone / bare) throughput ratio; apiProcessRatio is their median. */
  apiProcessRounds: { api: number; bare: number; ratio: number }[];
  bare: LoadResult;
  publicNoDb: LoadResult;
  ratio: number;
  /** With BENCH_HTTP_AGAINST: this tree's `fuhua api` against the revision's, in pairs of short rounds. */
  against?: AgainstResult;
}

export interface AgainstResult {
  revision: string;
  commit: string;
  pairs: { thisTree: { rps: number; cpuUs: number }; revision: { rps: number; cpuUs: number } }[];
  /** Medians over the pairs of this tree's figure over the revision's. */
  cpuRatio: number;
  rpsRatio: number;
  /** Pairs in which this tree spent less CPU a request. */
  cheaperPairs: number;
}

/** `durationS` of load after `warmupS` of warm-up (the section's by default); `quiet`: no log line of its own. */
async function load(name: string, url: string, headers: Record<string, string>, serverPid: number, { durationS = DURATION_S, warmupS = WARMUP_S, quiet = false } = {}): Promise<LoadResult> {
  const opts = { url, headers, connections: CONNECTIONS, pipelining: 1, timeout: 10 };
  if (warmupS > 0) await autocannon({ ...opts, duration: warmupS });
  const loadavgBefore = loadavg1();
  const cpu0 = cpuByKind(serverPid);
  const self0 = process.cpuUsage();
  const r = await autocannon({ ...opts, duration: durationS });
  const self = process.cpuUsage(self0);
  const cpu1 = cpuByKind(serverPid);
  const requests = r.requests.total;
  const per = (seconds: number) => round((seconds * 1e6) / Math.max(1, requests), 0);
  const cpuUsPerRequest: Record<string, number> = {};
  for (const k of Object.keys(cpu1)) cpuUsPerRequest[k] = per(cpu1[k] - (cpu0[k] ?? 0));
  cpuUsPerRequest['load generator (autocannon)'] = per((self.user + self.system) / 1e6);
  const res: LoadResult = {
    name, url, connections: CONNECTIONS, durationS, requests, rps: round(r.requests.average, 0),
    p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max,
    non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts, cpuUsPerRequest, loadavgBefore,
  };
  if (!quiet) log(`${name}: ${res.rps} req/s, p50 ${res.p50} ms, p99 ${res.p99} ms, non-2xx ${res.non2xx}, errors ${res.errors}`);
  return res;
}

/**
 * `fuhua api` as production runs it (docker-compose's `api` service: no worker in the process), on the running
 * stack's PostgreSQL and Temporal.
 */
async function startApiProcess(fuhua: FuhuaProcess, port: number, root = REPO_ROOT): Promise<{ pid: number; baseUrl: string; stop: () => Promise<void> }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: embeddedDatabaseUrl(fuhua.ports.pg, 'fuhua'),
    TEMPORAL_ADDRESS: `${LOOPBACK}:${fuhua.ports.temporal}`,
    PORT: String(port),
    HOST: LOOPBACK,
    FUHUA_METRICS_PORT: '0',
    FUHUA_API_PROCESSES: '1',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'info',
  };
  const prof = process.env.BENCH_API_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_API_CPU_PROF}`] : [];
  const out = fs.openSync(path.join(path.dirname(fuhua.dataDir), root === REPO_ROOT ? 'fuhua-api.stdout.log' : 'fuhua-api-against.stdout.log'), 'w');
  // BENCH_API_CPU_PROF=<folder>: the API process writes a V8 CPU profile there as it stops (open it in Chrome's DevTools).
  const child = spawn(process.execPath, [...prof, path.join(root, 'bin', 'fuhua.js'), 'api'], { cwd: root, env, stdio: ['ignore', out, 'inherit'] });
  fs.closeSync(out);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = onCleanup('fuhua api', async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    signal(child.pid!, 'SIGTERM');
    const t = setTimeout(() => signal(child.pid!, 'SIGKILL'), 20_000);
    await exited;
    clearTimeout(t);
  });
  const baseUrl = `http://${LOOPBACK}:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error('`fuhua api` exited before it answered /readyz');
    try {
      const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error('`fuhua api` was not ready within 60 s');
    }
    await sleep(50);
  }
  return { pid: child.pid!, baseUrl, stop };
}

/** The bare Express route in its own process. */
async function startBare(port: number): Promise<{ pid: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'run-ts.js'), path.join(__dirname, 'bare-server.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, BENCH_BARE_PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = onCleanup('bare express server', async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    signal(child.pid!, 'SIGTERM');
    const t = setTimeout(() => signal(child.pid!, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  });
  const deadline = Date.now() + 30_000;
  while (!(await portOpen(port))) {
    if (child.exitCode !== null) throw new Error('the bare server exited before it listened');
    if (Date.now() > deadline) {
      await stop();
      throw new Error('the bare server did not listen within 30 s');
    }
    await sleep(50);
  }
  return { pid: child.pid!, stop };
}

export async function runHttp(running: FuhuaProcess | null): Promise<{ result: HttpResult; targets: TargetResult[] }> {
  heading(`http: authenticated GET /api/v1/me vs a bare Express route (${CONNECTIONS} connections, ${DURATION_S} s after ${WARMUP_S} s warm-up)`);
  let fuhua = running;
  let own: (() => Promise<unknown>) | null = null;
  if (!fuhua) {
    const root = tempDir('fuhua-bench-http-');
    const [api, pg, temporal, ui] = await freePorts(4);
    log(`starting a fresh fuhua stack for the http section (api ${api})`);
    const { proc } = await launchFuhua(path.join(root, 'data'), { api, pg, temporal, ui }, 'http');
    fuhua = proc;
    own = async () => {
      await proc.stop();
      fs.rmSync(root, { recursive: true, force: true });
    };
  }
  try {
    const login = await fetch(`${fuhua.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'admin', password: fuhua.adminPassword }),
    });
    if (login.status !== 200) throw new Error(`admin login failed: ${login.status} ${await login.text()}`);
    const { token } = (await login.json()) as { token: string };
    const me = await fetch(`${fuhua.baseUrl}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    if (me.status !== 200) throw new Error(`GET /api/v1/me answered ${me.status}`);
    await me.arrayBuffer();

    const [barePort, apiPort] = await freePorts(2);
    const bare = await startBare(barePort);
    const api = await startApiProcess(fuhua, apiPort);
    try {
      const authenticated = await load('authenticated GET /api/v1/me', `${fuhua.baseUrl}/api/v1/me`, { authorization: `Bearer ${token}` }, fuhua.pid);
      const rounds: { api: LoadResult; bare: LoadResult; ratio: number }[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const a = await load('the same on `fuhua api` alone', `${api.baseUrl}/api/v1/me`, { authorization: `Bearer ${token}` }, api.pid);
        const b = await load('bare express GET /bare', `http://${LOOPBACK}:${barePort}/bare`, {}, bare.pid);
        rounds.push({ api: a, bare: b, ratio: a.rps / b.rps });
        if (ROUNDS > 1) log(`round ${i + 1} of ${ROUNDS}: \`fuhua api\` ${a.rps} req/s, bare ${b.rps} req/s, ratio ${((a.rps / b.rps) * 100).toFixed(1)}%`);
      }
      // The round with the median ratio stands for the run (every round is printed and kept).
      const median = [...rounds].sort((x, y) => x.ratio - y.ratio)[Math.floor((rounds.length - 1) / 2)];
      const apiProcess = median.api;
      const bareResult = median.bare;
      // Where the gap comes from: the product's middleware and logging without the database (a public route).
      const publicNoDb = await load('product GET /healthz (no auth, no db)', `${fuhua.baseUrl}/healthz`, {}, fuhua.pid);
      const result: HttpResult = {
        authenticated, apiProcess, bare: bareResult, publicNoDb,
        ratio: round(authenticated.rps / bareResult.rps, 3), apiProcessRatio: round(median.ratio, 3),
        apiProcessRounds: rounds.map((r) => ({ api: r.api.rps, bare: r.bare.rps, ratio: round(r.ratio, 3) })),
      };
      if (AGAINST) result.against = await compareWith(fuhua, AGAINST, api, token);
      printHttp(result);
      const errs = authenticated.non2xx + authenticated.errors + authenticated.timeouts;
      return {
        result,
        targets: [
          target('http', 'authenticated >= 50% of bare throughput', `${(result.ratio * 100).toFixed(1)}% (${authenticated.rps} vs ${bareResult.rps} req/s)`, result.ratio >= 0.5),
          target('http', 'authenticated >= 80% of bare throughput, one API process (issue 8): `fuhua api` as production runs it', `${(result.apiProcessRatio * 100).toFixed(1)}% (median of ${ROUNDS} alternating rounds: ${result.apiProcessRounds.map((r) => `${(r.ratio * 100).toFixed(1)}%`).join(', ')}; ${(result.ratio * 100).toFixed(1)}% in \`fuhua start\` with the worker)`, result.apiProcessRatio >= 0.8),
          target('http', `authenticated p99 < 20 ms at ${CONNECTIONS} connections`, `${authenticated.p99} ms (p50 ${authenticated.p50} ms)`, authenticated.p99 < 20),
          target('http', 'authenticated: no errors or non-2xx', String(errs), errs === 0),
        ],
      };
    } finally {
      await Promise.all([bare.stop(), api.stop()]);
    }
  } finally {
    if (own) await own();
  }
}

function printHttp(r: HttpResult): void {
  const rows = [r.authenticated, r.apiProcess, r.bare, r.publicNoDb].map((x) => [x.name, x.rps, x.p50, x.p90, x.p99, x.max, x.requests, x.non2xx + x.errors + x.timeouts, x.loadavgBefore]);
  print(table(rows, ['route', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'requests', 'errors', 'load1']));
  print(`ratio authenticated/bare throughput: ${(r.ratio * 100).toFixed(1)}% in \`fuhua start\` (API, worker and client in one process), ${(r.apiProcessRatio * 100).toFixed(1)}% on \`fuhua api\` alone`);
  print('CPU per request (µs), by process:');
  for (const x of [r.authenticated, r.apiProcess, r.bare, r.publicNoDb]) {
    print(`  ${x.name}: ${Object.entries(x.cpuUsPerRequest).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  const a = r.against;
  if (a) {
    print(
      `this tree's \`fuhua api\` against ${a.revision} (${a.commit.slice(0, 12)}), ${a.pairs.length} pairs of ${PAIR_S} s: CPU a request ${a.cpuRatio.toFixed(3)}× (cheaper in ${a.cheaperPairs} of ${a.pairs.length} pairs), req/s ${a.rpsRatio.toFixed(3)}× (medians of the pairs' ratios)`,
    );
  }
}

/**
 * `fuhua api` from `revision` beside this tree's (`mine`), both on the running stack, loaded in turn (which goes
 * first alternates) for PAIRS pairs of PAIR_S seconds after a warm-up each. The revision must read the stack's
 * database as it is (the schema this tree migrated).
 */
async function compareWith(fuhua: FuhuaProcess, revision: string, mine: { pid: number; baseUrl: string }, token: string): Promise<AgainstResult> {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  const commit = git('rev-parse', '--verify', `${revision}^{commit}`);
  const parent = tempDir('fuhua-bench-against-');
  const root = path.join(parent, 'tree');
  git('worktree', 'add', '--quiet', '--detach', root, commit);
  const removeTree = onCleanup(`worktree of ${revision}`, async () => {
    git('worktree', 'remove', '--force', root);
    fs.rmSync(parent, { recursive: true, force: true });
  });
  try {
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
    const [port] = await freePorts(1);
    const theirs = await startApiProcess(fuhua, port, root);
    try {
      log(`comparing with ${revision} (${commit.slice(0, 12)}): ${PAIRS} pairs of ${PAIR_S} s, ${CONNECTIONS} connections`);
      const headers = { authorization: `Bearer ${token}` };
      const sides = [
        { key: 'thisTree' as const, url: `${mine.baseUrl}/api/v1/me`, pid: mine.pid },
        { key: 'revision' as const, url: `${theirs.baseUrl}/api/v1/me`, pid: theirs.pid },
      ];
      for (const side of sides) await load(side.key, side.url, headers, side.pid, { durationS: WARMUP_S * 2, warmupS: 0, quiet: true });
      const pairs: AgainstResult['pairs'] = [];
      for (let i = 0; i < PAIRS; i++) {
        const pair = {} as AgainstResult['pairs'][number];
        for (const side of i % 2 ? [...sides].reverse() : sides) {
          const r = await load(side.key, side.url, headers, side.pid, { durationS: PAIR_S, warmupS: 0, quiet: true });
          if (r.non2xx + r.errors + r.timeouts > 0) throw new Error(`${side.key} answered ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
          pair[side.key] = { rps: r.rps, cpuUs: r.cpuUsPerRequest.node ?? 0 };
        }
        pairs.push(pair);
        log(`pair ${i + 1} of ${PAIRS}: this tree ${pair.thisTree.rps} req/s, ${pair.thisTree.cpuUs} µs a request; ${revision} ${pair.revision.rps} req/s, ${pair.revision.cpuUs} µs`);
      }
      const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor((xs.length - 1) / 2)];
      return {
        revision, commit, pairs,
        cpuRatio: round(median(pairs.map((p) => p.thisTree.cpuUs / p.revision.cpuUs)), 3),
        rpsRatio: round(median(pairs.map((p) => p.thisTree.rps / p.revision.rps)), 3),
        cheaperPairs: pairs.filter((p) => p.thisTree.cpuUs < p.revision.cpuUs).length,
      };
    } finally {
      await theirs.stop();
    }
  } finally {
    await removeTree();
  }
}
