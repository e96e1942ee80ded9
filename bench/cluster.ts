// Section "cluster" (issue 13): the lifecycle benchmark (bench/lifecycle.ts's driveProject over real HTTP) on the
// dev server and on a real Temporal cluster on PostgreSQL (bin/cluster.ts), in the same run: the dev server with
// the same Fuhua topology (two API processes behind one port, the worker in its own process), then the cluster with
// one worker process and with two. Each run gets a fresh stack, seeds it, warms up, then drives BENCH_CLUSTER_PROJECTS
// lifecycles with BENCH_CONCURRENCY in flight and checks in the database that every one of them closed.
import fs from 'node:fs';
import path from 'node:path';
import { startCluster } from '../bin/cluster';
import { startEmbeddedPostgres } from '../bin/embedded-postgres';
import { findTemporalServer } from '../bin/temporal-server';
import { createDb } from '../db/knex';
import { driveProject, inFlight, moves, type Recorder } from './lifecycle';
import { seed } from './seed';
import { startBenchStack, type BenchStack } from './stack';
import { freePorts, heading, latencyStats, loadavg1, log, onCleanup, print, round, table, target, tempDir, type LatencyStats, type TargetResult } from './util';

const PROJECTS = Number(process.env.BENCH_CLUSTER_PROJECTS || 100);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY || 20);
const WARMUP = Number(process.env.BENCH_CLUSTER_WARMUP ?? 10);

interface RunResult {
  topology: string;
  lifecycles: number;
  seconds: number;
  lifecyclesPerS: number;
  stageMoves: LatencyStats;
  errors: number;
  errorSamples: string[];
  closed: number;
  loadavgBefore: number;
}

async function measure(stack: Pick<BenchStack, 'baseUrl' | 'db'>, topology: string, tag: string): Promise<RunResult> {
  const s = await seed(stack as BenchStack, { panelSize: 1 });
  const names = new Set(moves(1).map((m) => m.name));
  if (WARMUP > 0) {
    const w = await inFlight(WARMUP, CONCURRENCY, async (i) => void (await driveProject(stack as BenchStack, s, i, `${tag}-warmup`, { samples: new Map(), requests: 0 })));
    if (w.errors) throw new Error(`${topology}: the warm-up failed: ${w.errorSamples.join(' | ')}`);
  }
  const rec: Recorder = { samples: new Map(), requests: 0 };
  const ids: string[] = [];
  const loadavgBefore = loadavg1();
  log(`${topology}: ${PROJECTS} lifecycles, ${CONCURRENCY} in flight`);
  const run = await inFlight(PROJECTS, CONCURRENCY, async (i) => void ids.push(await driveProject(stack as BenchStack, s, i, tag, rec)));
  const closed = ids.length ? Number((await stack.db('projects').whereIn('id', ids).where({ stage: 'closed' }).count({ n: '*' }))[0].n) : 0;
  const stageMoves = latencyStats([...rec.samples].filter(([n]) => names.has(n)).flatMap(([, v]) => v));
  const result: RunResult = {
    topology, lifecycles: ids.length, seconds: round(run.seconds, 1), lifecyclesPerS: round(ids.length / run.seconds, 2), stageMoves,
    errors: run.errors + (ids.length - closed), errorSamples: run.errorSamples, closed, loadavgBefore,
  };
  log(`${topology}: ${result.lifecyclesPerS} lifecycles/s, stage move p50 ${stageMoves.p50} ms p99 ${stageMoves.p99} ms, errors ${result.errors}`);
  return result;
}

async function onCluster(workers: number): Promise<RunResult> {
  const files = await findTemporalServer({ log: (l) => log(`temporal server: ${l}`) });
  const dir = tempDir('fuhua-bench-cluster-');
  const stops: (() => Promise<unknown>)[] = [onCleanup('cluster temp dir', async () => fs.rmSync(dir, { recursive: true, force: true }))];
  try {
    const [pgPort] = await freePorts(1);
    // PostgreSQL with real durability (fsync on), as the dev-server stack of bench/stack.ts runs it.
    const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: pgPort });
    stops.push(onCleanup('cluster postgres', pg.stop));
    await pg.createDatabase('fuhua');
    const t0 = performance.now();
    const cluster = await startCluster({ files, dir: path.join(dir, 'cluster'), adminUrl: pg.url('postgres'), fuhuaUrl: pg.url('fuhua'), workers, apiProcesses: 2, fuhuaEnv: { LOG_LEVEL: 'warn' }, log: (l) => log(`cluster: ${l}`) });
    stops.push(onCleanup('cluster processes', cluster.stop));
    log(`cluster with ${workers} worker(s) ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const db = createDb({ url: pg.url('fuhua'), poolMax: 5 });
    stops.push(onCleanup('cluster db pool', () => db.destroy()));
    return await measure({ baseUrl: cluster.apiUrl, db }, `cluster, ${workers} worker${workers > 1 ? 's' : ''}`, `c${workers}`);
  } finally {
    for (const s of stops.reverse()) await s().catch((err: Error) => log(`stop failed: ${err.message}`));
  }
}

export async function runCluster(): Promise<{ result: unknown; targets: TargetResult[] }> {
  heading(`cluster: ${PROJECTS} lifecycles over HTTP on the dev server and on a Temporal cluster on PostgreSQL (1 and 2 workers), ${CONCURRENCY} in flight`);
  const runs: RunResult[] = [];
  const dev = await startBenchStack({ worker: 'child', api: { processes: 2 } });
  try {
    runs.push(await measure(dev, 'dev server, 1 worker', 'dev'));
  } finally {
    await dev.stop();
  }
  runs.push(await onCluster(1));
  runs.push(await onCluster(2));
  const [devRun, one, two] = runs;
  const scaleOut = round(two.lifecyclesPerS / one.lifecyclesPerS, 2);
  print(
    table(
      runs.map((r) => [r.topology, r.lifecycles, r.seconds, r.lifecyclesPerS, r.stageMoves.p50, r.stageMoves.p99, r.errors, r.loadavgBefore]),
      ['topology', 'lifecycles', 'total s', 'lifecycles/s', 'move p50 ms', 'move p99 ms', 'errors', 'load1'],
    ),
  );
  print(`scale-out (2 workers / 1 worker on the cluster): ${scaleOut}x on ${fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8').split('\nprocessor').length : '?'} cores shared by every process`);
  for (const r of runs) if (r.errorSamples.length) print(`${r.topology} errors:\n  ${r.errorSamples.join('\n  ')}`);
  const errors = runs.reduce((a, r) => a + r.errors, 0);
  return {
    result: { config: { projects: PROJECTS, concurrency: CONCURRENCY, warmup: WARMUP }, runs, scaleOut, clusterOverDev: round(one.lifecyclesPerS / devRun.lifecyclesPerS, 2) },
    targets: [
      target('cluster', 'zero errors (every lifecycle closed)', `${errors}`, errors === 0),
      target('cluster', 'lifecycles/s: dev server, cluster 1 worker, 2 workers (reported)', `${devRun.lifecyclesPerS}, ${one.lifecyclesPerS}, ${two.lifecyclesPerS}`, true),
      target('cluster', 'stage move p50/p99 on the cluster, 2 workers (reported)', `${two.stageMoves.p50}/${two.stageMoves.p99} ms`, true),
      target('cluster', 'scale-out 2 workers / 1 (reported; 2 cores shared)', `${scaleOut}x`, true),
    ],
  };
}
