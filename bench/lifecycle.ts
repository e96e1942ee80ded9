// Section "lifecycle" (issue 3): N projects driven through the whole lifecycle over real HTTP with 20 in flight,
// beside the bare engine (a trivial workflow with the same number of updates and activities per lifecycle, same
// concurrency, same server, same run); then the project library query on 100,000 projects (bench/library.ts).
import { runLibrary, type LibraryResult } from './library';
import { bareLifecycle, bareStep, type BareStep } from './bare-workflow';
import { seed, type Seed, type User } from './seed';
import { BARE_TASK_QUEUE, cpuNow, cpuUse, formatCpu, startBenchStack, type BenchStack, type CpuUse } from './stack';
import { RssSampler, call, heading, latencyStats, loadavg1, log, memoryOf, print, round, table, target, type LatencyStats, type Reply, type TargetResult } from './util';

const PROJECTS = Number(process.env.BENCH_PROJECTS || 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY || 20);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 20);
/** Lifecycles run one at a time before the loaded runs: the service time of a move without queueing. */
const SERIAL = Number(process.env.BENCH_SERIAL ?? 20);
/** The lifecycle test's panel of one by default; the default programme rules ask for five. */
const PANEL_SIZE = Number(process.env.BENCH_PANEL_SIZE || 1);
const DEADLINE_MS = Number(process.env.BENCH_LIFECYCLE_TIMEOUT_S || 1800) * 1000;
const RSS_TARGET_MIB = 1024;

// ---- the product lifecycle ----

/**
 * Each stage move with the activities its workflow handler awaits (the bare baseline does the same). Every move is
 * one activity since `patched('one-activity-per-move')`: the moves that also recompute the colour (spending, monthly
 * report, supervision visit) do it inside their one event activity, where they ran a second one before.
 */
export function moves(panelSize: number): { name: string; activities: number }[] {
  return [
    { name: 'submitDesign', activities: 1 },
    { name: 'assignPanel', activities: 1 },
    ...Array.from({ length: panelSize }, () => ({ name: 'submitReviewScore', activities: 1 })),
    { name: 'decideReview', activities: 1 },
    { name: 'fundDirectly', activities: 1 },
    { name: 'recordServiceRecord', activities: 1 },
    { name: 'recordSpending', activities: 1 }, // the colour recomputed in the same activity
    { name: 'submitMonthlyReport', activities: 1 },
    { name: 'recordSupervisionVisit', activities: 1 },
    { name: 'assignEvaluator', activities: 1 },
    { name: 'submitEvaluation', activities: 1 },
    { name: 'closeProject', activities: 1 },
  ];
}

const day = (offset = 0) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

function proposal(amountAskedFen: number) {
  return {
    targetGroups: ['elderly'],
    objectives: [{ description: 'Reduce isolation of elderly people living alone', indicators: [{ name: 'home visits', unit: 'visits', target: 120 }] }],
    milestones: [{ name: 'Volunteer team trained', due: day(180) }],
    team: { staff: 6, certifiedSocialWorkers: 4, volunteers: 30, lead: 'Li Hua' },
    budgetLines: [{ item: 'Activities', amountFen: amountAskedFen - 1_000_000 }, { item: 'Training', amountFen: 1_000_000 }],
    amountAskedFen,
    coFundingFen: 0,
  };
}

export interface Recorder {
  samples: Map<string, number[]>;
  requests: number;
}

class StepError extends Error {}

/** One project from creation to closure, as the lifecycle test drives it, through the HTTP API. */
export async function driveProject(stack: BenchStack, s: Seed, i: number, tag: string, rec: Recorder): Promise<string> {
  const applicant = s.applicants[i % s.applicants.length];
  const officer = s.officer;
  const community = s.communities[(i * 37) % s.communities.length];
  const step = async (name: string, who: User, method: string, path: string, body?: unknown, expect = 200, headers?: Record<string, string>): Promise<Reply> => {
    const r = await call(stack.baseUrl, method, path, who.token, body, headers);
    rec.requests++;
    if (r.status !== expect) throw new StepError(`${name} answered ${r.status} (expected ${expect}): ${JSON.stringify(r.body).slice(0, 300)}`);
    const list = rec.samples.get(name) ?? [];
    list.push(r.ms);
    rec.samples.set(name, list);
    return r;
  };
  const created = await step('createProject', applicant, 'POST', `/api/v1/programmes/${s.programmeId}/projects`, {
    title: `银龄陪伴 Silver companions ${tag}-${i}`, regionId: community.id, needIds: [s.needByCommunity.get(community.id)], proposal: proposal(5_000_000),
  }, 201);
  const id = created.body.id as string;
  const p = `/api/v1/projects/${id}`;
  const volunteer = await step('createVolunteer', applicant, 'POST', '/api/v1/volunteers', { name: `志愿者 ${tag}-${i}` }, 201);
  await step('submitDesign', applicant, 'POST', `${p}/design/submit`);
  const panel = await step('assignPanel', officer, 'POST', `${p}/review/panel`, {});
  const reviewerIds = (panel.body.panel as { reviewerId: string }[]).map((x) => x.reviewerId);
  const scores = Object.fromEntries(s.rules.review.criteria.map((c) => [c.key, c.maxScore - 1]));
  for (const reviewerId of reviewerIds) {
    const reviewer = s.reviewers.find((r) => r.id === reviewerId);
    if (!reviewer) throw new StepError(`the panel named an unknown reviewer ${reviewerId}`);
    await step('submitReviewScore', reviewer, 'PUT', `${p}/review/score`, { scores, comments: '很好' });
  }
  const decided = await step('decideReview', officer, 'POST', `${p}/review/decision`, { decision: 'approve', comment: 'fund it' });
  if (decided.body.stage !== 'approved') throw new StepError(`decideReview left stage ${decided.body.stage}`);
  await step('fundDirectly', officer, 'POST', `${p}/agreement`, {
    amountFen: 5_000_000, startDate: day(), endDate: day(365),
    tranches: [{ name: 'first', amountFen: 3_000_000, releaseOn: day() }, { name: 'final', amountFen: 2_000_000, releaseOn: day(365) }],
  });
  await step('recordServiceRecord', applicant, 'POST', `${p}/service-records`, { activity: 'Home visits', heldOn: day(), place: 'Community hall', peopleServed: 12, volunteers: [{ volunteerId: volunteer.body.id, hours: 3.5 }] }, 201, { 'Idempotency-Key': `visit-${tag}-${i}` });
  await step('recordSpending', applicant, 'POST', `${p}/spending`, { budgetItem: 'Activities', amountFen: 100_000, spentOn: day() }, 201);
  await step('submitMonthlyReport', applicant, 'POST', `${p}/reports`, { period: 1, summary: 'Month one', indicatorProgress: [{ name: 'home visits', achieved: 10 }] }, 201);
  const supervisor = s.supervisors[i % s.supervisors.length];
  await step('assignSupervisor', officer, 'POST', `${p}/supervisor`, { supervisorId: supervisor.id });
  const dims = Object.fromEntries(s.rules.monitoring.supervisionDimensions.map((d) => [d.key, 90]));
  await step('recordSupervisionVisit', supervisor, 'POST', `${p}/supervision-visits`, { visitedOn: day(), scores: dims }, 201);
  const evaluator = s.evaluators[i % s.evaluators.length];
  await step('assignEvaluator', officer, 'POST', `${p}/evaluations`, { kind: 'final', evaluatorId: evaluator.id });
  const indicators = Object.fromEntries(s.rules.evaluation.indicators.map((x) => [x.key, 95]));
  await step('submitEvaluation', evaluator, 'PUT', `${p}/evaluations/final`, { scores: indicators, comments: 'excellent work' });
  const closed = await step('closeProject', officer, 'POST', `${p}/close`, { finalReport: 'Served 12 people' });
  if (closed.body.stage !== 'closed') throw new StepError(`closeProject left stage ${closed.body.stage}`);
  return id;
}

/** Runs `count` jobs with `concurrency` in flight; a failed job is counted, the others go on. */
export async function inFlight(count: number, concurrency: number, job: (i: number) => Promise<void>): Promise<{ seconds: number; errors: number; errorSamples: string[]; notRun: number }> {
  const t0 = performance.now();
  const deadline = Date.now() + DEADLINE_MS;
  let next = 0;
  let errors = 0;
  let notRun = 0;
  const errorSamples: string[] = [];
  const lane = async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      if (Date.now() > deadline) {
        notRun++;
        continue;
      }
      try {
        await job(i);
      } catch (err) {
        errors++;
        if (errorSamples.length < 10) errorSamples.push(`#${i}: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return { seconds: (performance.now() - t0) / 1000, errors: errors + notRun, errorSamples, notRun };
}

// ---- the bare engine ----

async function bareRun(stack: BenchStack, count: number, tag: string, steps: BareStep[], concurrency = CONCURRENCY) {
  const updates: number[] = [];
  const starts: number[] = [];
  const run = await inFlight(count, concurrency, async (i) => {
    let t = performance.now();
    const handle = await stack.client.workflow.start(bareLifecycle, { workflowId: `bare-${tag}-${i}`, taskQueue: BARE_TASK_QUEUE });
    starts.push(performance.now() - t);
    for (const st of steps) {
      t = performance.now();
      await handle.executeUpdate(bareStep, { args: [st] });
      updates.push(performance.now() - t);
    }
    const handled = await handle.result();
    if (handled !== steps.length) throw new Error(`bare workflow handled ${handled} updates, expected ${steps.length}`);
  });
  return { ...run, updates, starts };
}

export interface LifecycleResult {
  config: Record<string, unknown>;
  product?: Record<string, unknown>;
  bare?: Record<string, unknown>;
  /** The bare engine with each update's activities local, as the product's moves write (BENCH_BARE_LOCAL=0 leaves it out). */
  bareLocal?: Record<string, unknown>;
  ratios?: Record<string, number>;
  serial?: Record<string, unknown>;
  memory?: Record<string, unknown>;
  library?: LibraryResult;
}

export async function runLifecycle(opts: { lifecycles: boolean; library: boolean }): Promise<{ result: LifecycleResult; targets: TargetResult[] }> {
  const steps = moves(PANEL_SIZE);
  const activitiesPerLifecycle = steps.reduce((a, m) => a + m.activities, 0);
  heading(opts.lifecycles ? `lifecycle: ${PROJECTS} projects through the whole lifecycle over HTTP, ${CONCURRENCY} in flight, beside the bare engine` : 'library: the project library query on a fresh stack');
  const stack = await startBenchStack({ bare: opts.lifecycles });
  const targets: TargetResult[] = [];
  const result: LifecycleResult = {
    config: { projects: PROJECTS, concurrency: CONCURRENCY, warmup: WARMUP, panelSize: PANEL_SIZE, updatesPerLifecycle: steps.length, activitiesPerLifecycle, httpRequestsPerLifecycle: steps.length + 3, pgFsync: true, temporalSqlite: 'WAL, synchronous=normal' },
  };
  try {
    const s = await seed(stack, { panelSize: PANEL_SIZE });
    if (opts.lifecycles) {
      const bareSteps: BareStep[] = steps.map((m, k) => ({ activities: m.activities, last: k === steps.length - 1 }));
      if (WARMUP > 0) {
        log(`warm-up: ${WARMUP} bare and ${WARMUP} product lifecycles (not counted)`);
        const wb = await bareRun(stack, WARMUP, 'warmup', bareSteps);
        const wp = await inFlight(WARMUP, CONCURRENCY, async (i) => void (await driveProject(stack, s, i, 'warmup', { samples: new Map(), requests: 0 })));
        if (wb.errors || wp.errors) throw new Error(`the warm-up failed: ${[...wb.errorSamples, ...wp.errorSamples].join(' | ')}`);
      }

      if (SERIAL > 0) {
        log(`one at a time: ${SERIAL} bare and ${SERIAL} product lifecycles (service time without queueing)`);
        const sb = await bareRun(stack, SERIAL, 'serial', bareSteps, 1);
        const srec: Recorder = { samples: new Map(), requests: 0 };
        const sp = await inFlight(SERIAL, 1, async (i) => void (await driveProject(stack, s, i, 'serial', srec)));
        const names = new Set(steps.map((m) => m.name));
        const productMoves = latencyStats([...srec.samples].filter(([n]) => names.has(n)).flatMap(([, v]) => v));
        const bareUpdates = latencyStats(sb.updates);
        result.serial = {
          bareUpdate: bareUpdates, productStageMove: productMoves, ratioP50: round(productMoves.p50 / bareUpdates.p50, 2),
          bareLifecycleS: round(sb.seconds / SERIAL, 2), productLifecycleS: round(sp.seconds / SERIAL, 2), errors: sb.errors + sp.errors,
        };
        print(`one at a time (${SERIAL} lifecycles each): bare update p50 ${bareUpdates.p50} ms p99 ${bareUpdates.p99} ms; product stage move p50 ${productMoves.p50} ms p99 ${productMoves.p99} ms (${result.serial.ratioP50}x); one lifecycle takes ${result.serial.bareLifecycleS} s bare, ${result.serial.productLifecycleS} s product`);
      }

      log(`bare engine: ${PROJECTS} lifecycles of ${steps.length} updates / ${activitiesPerLifecycle} no-op activities, ${CONCURRENCY} in flight`);
      const bareLoad = loadavg1();
      let sampler = new RssSampler(stack.pids.temporal).start();
      let cpu0 = cpuNow(stack);
      const bare = await bareRun(stack, PROJECTS, 'run', bareSteps);
      const bareCpu = cpuUse(cpu0, cpuNow(stack), PROJECTS, bare.seconds);
      const bareMem = sampler.stop();
      const bareUpdates = latencyStats(bare.updates);
      log(`bare: ${round(bare.seconds, 1)} s, ${round(PROJECTS / bare.seconds, 2)} lifecycles/s, update p50 ${bareUpdates.p50} ms p99 ${bareUpdates.p99} ms, errors ${bare.errors}`);

      log(`product: ${PROJECTS} lifecycles over HTTP (${steps.length} stage moves + create, volunteer, supervisor each)`);
      const productLoad = loadavg1();
      const rec: Recorder = { samples: new Map(), requests: 0 };
      const ids: string[] = [];
      let done = 0;
      const progress = setInterval(() => log(`  product: ${done}/${PROJECTS} lifecycles, ${rec.requests} requests`), 15_000);
      sampler = new RssSampler(stack.pids.temporal).start();
      cpu0 = cpuNow(stack);
      let product: Awaited<ReturnType<typeof inFlight>>;
      try {
        product = await inFlight(PROJECTS, CONCURRENCY, async (i) => {
          ids.push(await driveProject(stack, s, i, 'run', rec));
          done++;
        });
      } finally {
        clearInterval(progress);
      }
      const productCpu = cpuUse(cpu0, cpuNow(stack), Math.max(1, ids.length), product.seconds);
      const productMem = sampler.stop();
      const loadAfter = loadavg1();

      let bareLocal: Awaited<ReturnType<typeof bareRun>> | null = null;
      if (process.env.BENCH_BARE_LOCAL !== '0') {
        log(`bare engine, activities local: ${PROJECTS} lifecycles, ${CONCURRENCY} in flight`);
        bareLocal = await bareRun(stack, PROJECTS, 'local', bareSteps.map((st) => ({ ...st, local: true })));
      }

      // What the database holds afterwards: every project closed, no task left open.
      const verify = await verifyProjects(stack, ids);
      const moveNames = [...new Set(steps.map((m) => m.name))];
      const moveSamples = moveNames.flatMap((n) => rec.samples.get(n) ?? []);
      const stageMoves = latencyStats(moveSamples);
      const perMove: Record<string, LatencyStats> = {};
      for (const [name, list] of rec.samples) perMove[name] = latencyStats(list);
      const errors = product.errors + verify.problems;
      result.product = {
        seconds: round(product.seconds, 1), lifecycles: ids.length, lifecyclesPerS: round(ids.length / product.seconds, 2), requests: rec.requests,
        requestsPerS: round(rec.requests / product.seconds, 1), stageMovesPerS: round(moveSamples.length / product.seconds, 1), errors, errorSamples: product.errorSamples,
        stageMoves, perMove, verify, cpu: productCpu, loadavgBefore: productLoad, loadavgAfter: loadAfter,
      };
      result.bare = {
        seconds: round(bare.seconds, 1), lifecyclesPerS: round(PROJECTS / bare.seconds, 2), updatesPerS: round(bare.updates.length / bare.seconds, 1), updates: bareUpdates,
        workflowStart: latencyStats(bare.starts), errors: bare.errors, errorSamples: bare.errorSamples, cpu: bareCpu, loadavgBefore: bareLoad,
      };
      result.ratios = {
        stageMoveP50OverBareP50: round(stageMoves.p50 / bareUpdates.p50, 2),
        stageMoveP99OverBareP99: round(stageMoves.p99 / bareUpdates.p99, 2),
        lifecyclesPerSOverBare: round(ids.length / product.seconds / (PROJECTS / bare.seconds), 3),
      };
      if (bareLocal) {
        const localUpdates = latencyStats(bareLocal.updates);
        result.bareLocal = { seconds: round(bareLocal.seconds, 1), lifecyclesPerS: round(PROJECTS / bareLocal.seconds, 2), updates: localUpdates, errors: bareLocal.errors };
        result.ratios.lifecyclesPerSOverBareLocal = round(ids.length / product.seconds / (PROJECTS / bareLocal.seconds), 3);
        result.ratios.stageMoveP50OverBareLocalP50 = round(stageMoves.p50 / localUpdates.p50, 2);
        print(`bare engine with local activities: ${round(PROJECTS / bareLocal.seconds, 2)} lifecycles/s, update p50 ${localUpdates.p50} ms p99 ${localUpdates.p99} ms, errors ${bareLocal.errors}; product / it ${result.ratios.lifecyclesPerSOverBareLocal}, stage-move p50 / its update p50 ${result.ratios.stageMoveP50OverBareLocalP50}x`);
      }
      result.memory = {
        note: 'worker, API and the HTTP load generator share the bench process',
        productRunPeakRssMiB: productMem.peakRssMiB, productRunPeakHeapMiB: productMem.peakHeapMiB, bareRunPeakRssMiB: bareMem.peakRssMiB,
        temporalServerPeakRssMiB: productMem.temporalPeakRssMiB,
      };
      printLifecycle(result, perMove, moveNames);
      targets.push(
        target('lifecycle', 'zero errors', `${errors} (${ids.length}/${PROJECTS} closed)`, errors === 0),
        target('lifecycle', 'stage-move p50 <= 2x bare update p50', `${stageMoves.p50} vs ${bareUpdates.p50} ms (${result.ratios.stageMoveP50OverBareP50}x)`, stageMoves.p50 <= 2 * bareUpdates.p50),
        target('lifecycle', 'worker RSS < 1 GiB', `${productMem.peakRssMiB} MiB peak (worker + API + client)`, productMem.peakRssMiB < RSS_TARGET_MIB),
        target('lifecycle', 'lifecycles/s >= 90% of the bare engine (issue 8)', `${result.product.lifecyclesPerS} vs ${result.bare.lifecyclesPerS}/s (${round(result.ratios.lifecyclesPerSOverBare * 100, 1)}%)`, result.ratios.lifecyclesPerSOverBare >= 0.9),
        target('lifecycle', 'stage-move p50 <= 1.2x bare update p50 (issue 8)', `${result.ratios.stageMoveP50OverBareP50}x`, stageMoves.p50 <= 1.2 * bareUpdates.p50),
      );
    }
    if (opts.library) {
      const sampler = new RssSampler(stack.pids.temporal).start();
      const lib = await runLibrary(stack, s);
      const mem = sampler.stop();
      result.library = { ...lib.result, peakRssMiB: mem.peakRssMiB };
      targets.push(...lib.targets);
    }
    const self = memoryOf(process.pid);
    result.memory = { ...(result.memory ?? {}), benchProcessHighWaterMiB: self?.peakMiB ?? null, temporalServerHighWaterMiB: stack.pids.temporal ? memoryOf(stack.pids.temporal)?.peakMiB ?? null : null };
    print(`memory high-water marks: bench process (worker + API + client) ${result.memory.benchProcessHighWaterMiB} MiB, Temporal dev server ${result.memory.temporalServerHighWaterMiB} MiB`);
  } finally {
    await stack.stop();
  }
  return { result, targets };
}

async function verifyProjects(stack: BenchStack, ids: string[]): Promise<{ closed: number; notClosed: number; openTasks: number; problems: number }> {
  if (ids.length === 0) return { closed: 0, notClosed: 0, openTasks: 0, problems: 0 };
  const closed = Number((await stack.db('projects').whereIn('id', ids).where({ stage: 'closed' }).count({ n: '*' }))[0].n);
  const openTasks = Number((await stack.db('tasks').whereIn('project_id', ids).where({ status: 'open' }).count({ n: '*' }))[0].n);
  const notClosed = ids.length - closed;
  return { closed, notClosed, openTasks, problems: notClosed + (openTasks > 0 ? 1 : 0) };
}

function printLifecycle(r: LifecycleResult, perMove: Record<string, LatencyStats>, moveNames: string[]): void {
  const p = r.product as { seconds: number; lifecycles: number; lifecyclesPerS: number; requests: number; requestsPerS: number; stageMovesPerS: number; errors: number; errorSamples: string[]; stageMoves: LatencyStats; verify: unknown; loadavgBefore: number };
  const b = r.bare as { seconds: number; lifecyclesPerS: number; updatesPerS: number; updates: LatencyStats; workflowStart: LatencyStats; errors: number; loadavgBefore: number };
  print(
    table(
      [
        ['product over HTTP', p.seconds, p.lifecyclesPerS, p.stageMovesPerS, p.stageMoves.p50, p.stageMoves.p90, p.stageMoves.p99, p.errors, p.loadavgBefore],
        ['bare engine', b.seconds, b.lifecyclesPerS, b.updatesPerS, b.updates.p50, b.updates.p90, b.updates.p99, b.errors, b.loadavgBefore],
      ],
      ['run', 'total s', 'lifecycles/s', 'updates/s', 'move p50 ms', 'p90 ms', 'p99 ms', 'errors', 'load1'],
    ),
  );
  print(`ratios: stage-move p50 / bare update p50 = ${r.ratios!.stageMoveP50OverBareP50}x, p99 = ${r.ratios!.stageMoveP99OverBareP99}x, lifecycles/s = ${r.ratios!.lifecyclesPerSOverBare} of bare`);
  for (const [name, x] of [['product', r.product], ['bare', r.bare]] as const) {
    print(`CPU ${name} (bench = the process with worker + API + HTTP client): ${formatCpu((x as { cpu: CpuUse }).cpu, 'lifecycle')}`);
  }
  print(`product: ${p.requests} HTTP requests (${p.requestsPerS}/s); database check: ${JSON.stringify(p.verify)}`);
  if (p.errorSamples.length) print(`errors:\n  ${p.errorSamples.join('\n  ')}`);
  print('per request kind (ms):');
  const rows = Object.entries(perMove).map(([name, st]) => [name + (moveNames.includes(name) ? ' *' : ''), st.n, st.p50, st.p90, st.p99, st.max]);
  print(table(rows, ['request (* = Temporal update)', 'n', 'p50', 'p90', 'p99', 'max']));
  const m = r.memory as Record<string, unknown>;
  print(`memory: peak RSS during the product run ${m.productRunPeakRssMiB} MiB (heap ${m.productRunPeakHeapMiB} MiB), during the bare run ${m.bareRunPeakRssMiB} MiB; Temporal dev server peak ${m.temporalServerPeakRssMiB} MiB (${m.note})`);
}
