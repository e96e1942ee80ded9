// Section "service-orders" (issue 11): N residents' orders through order → dispatch → accept → serve (check-in,
// check-out) → rate over real HTTP with 50 in flight, beside the bare engine doing the same six updates (one no-op
// activity each) on the same server in the same run; then 200 concurrent redemptions against one balance. A third
// side, the bare engine with each update's activity local (as the product writes an order's events), is measured
// beside them unless BENCH_BARE_LOCAL=0: the ratio judged is against the bare engine as first defined, the other printed.
import crypto from 'node:crypto';
import { hashPassword } from '../api/auth';
import { bareLifecycle, bareStep, type BareStep } from './bare-workflow';
import { seed, PASSWORD, type Seed, type User } from './seed';
import { BARE_TASK_QUEUE, startBenchStack, type BenchStack } from './stack';
import { RssSampler, call, heading, latencyStats, loadavg1, log, print, round, table, target, type LatencyStats, type TargetResult } from './util';

const ORDERS = Number(process.env.BENCH_ORDERS || 10_000);
const CONCURRENCY = Number(process.env.BENCH_ORDER_CONCURRENCY || 50);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 20);
const BLOCK = Number(process.env.BENCH_ORDER_BLOCK || 1_000);
const VOLUNTEERS = 100;
const REDEMPTIONS = 200;
const RSS_TARGET_MIB = 1024;
const STEPS = ['place', 'dispatch', 'accept', 'checkIn', 'checkOut', 'rate'] as const;
/** How often a step answered 503 is sent again with the same Idempotency-Key (as the API documents), 1 s apart. */
const RETRIES = Number(process.env.BENCH_ORDER_RETRIES ?? 5);
/**
 * `child` (the default): the worker and the API in their own processes (`fuhua worker`, `fuhua api`), as production
 * runs them, so the worker's memory is its own; `one-process`: both in the bench process beside the load generator.
 */
const TOPOLOGY = process.env.BENCH_ORDER_TOPOLOGY === 'one-process' ? 'one-process' : 'child';
const BARE_LOCAL = process.env.BENCH_BARE_LOCAL !== '0';

interface World {
  s: Seed;
  projectId: string;
  menuItemId: string;
  communities: string[];
  dispatcher: User;
  residents: User[];
  volunteers: { id: string; user: User }[];
  resourceId: string;
}

async function signIn(stack: BenchStack, login: string): Promise<string> {
  const r = await call(stack.baseUrl, 'POST', '/api/v1/auth/login', null, { login, password: PASSWORD });
  if (r.status !== 200) throw new Error(`login ${login}: ${r.status}`);
  return r.body.token as string;
}

/** A project in delivery (inserted directly: its lifecycle is the other benchmark's), its menu over one street, and the people. */
async function world(stack: BenchStack, s: Seed): Promise<World> {
  const { db } = stack;
  const street = s.streets[0];
  const communities = s.communities.filter((c) => c.path.startsWith(street.path)).map((c) => c.id);
  const [project] = await db('projects').insert({
    programme_id: s.programmeId, organisation_id: s.organisations[0], region_id: street.id, region_level: 'street', region_path: street.path, title: '邻里守望 Neighbourhood watch',
    stage: 'delivery', draft: JSON.stringify({}), amount_asked_fen: 5_000_000, target_groups: ['elderly'],
  }).returning('id');
  const [menu] = await db('service_menu_items').insert({ project_id: project.id, name: '上门探访 Home visit', category: 'companionship', target_groups: ['elderly'], community_ids: communities, capacity_per_week: 100_000, skills: ['companionship'] }).returning('id');
  const hash = await hashPassword(PASSWORD);
  const mkUser = async (login: string, roles: string[], extra: Record<string, unknown> = {}): Promise<User> => {
    const [u] = await db('users').insert({ login, display_name: login, password_hash: hash, roles, ...extra }).returning('id');
    return { id: u.id, login, token: await signIn(stack, login) } as User;
  };
  const dispatcher = await mkUser('bench-dispatcher', ['dispatcher'], { region_id: street.id });
  const residents = await Promise.all(communities.map((c, i) => mkUser(`bench-resident-${i}`, ['resident'], { region_id: c })));
  const volunteers = [];
  for (let i = 0; i < VOLUNTEERS; i++) {
    const user = await mkUser(`bench-volunteer-${i}`, ['applicant'], { organisation_id: s.organisations[0] });
    const [v] = await db('volunteers').insert({ name: `志愿者 ${i}`, skills: ['companionship'], community_ids: [communities[i % communities.length]], organisation_id: s.organisations[0], user_id: user.id, region_path: street.path }).returning('id');
    volunteers.push({ id: v.id as string, user });
  }
  const [resource] = await db('resources').insert({ region_id: street.id, unit: '社区食堂', kind: 'goods', offer: '一餐 10 分' }).returning('id');
  return { s, projectId: project.id, menuItemId: menu.id, communities, dispatcher, residents, volunteers, resourceId: resource.id };
}

class StepError extends Error {}

/** 503 answers a step got (each sent again with its key); the counts are reported beside the errors. */
const unavailable = { answers: 0, ordersAffected: new Set<number>() };

async function driveOrder(stack: BenchStack, w: World, i: number, samples: Map<string, number[]>): Promise<string> {
  const resident = w.residents[i % w.residents.length];
  const community = w.communities[i % w.communities.length];
  const v = w.volunteers[i % w.volunteers.length];
  const step = async (name: (typeof STEPS)[number], token: string, path: string, body: unknown, expect = 200) => {
    // Every step carries an Idempotency-Key; a 503 (an update not answered within the API's timeout) is sent again
    // with the same key, which answers the applied result rather than applying it twice. The latency is the first try's.
    const key = `bench-order-${i}-${name}-${crypto.randomUUID()}`;
    let r = await call(stack.baseUrl, 'POST', path, token, body, { 'Idempotency-Key': key });
    for (let attempt = 0; r.status === 503 && attempt < RETRIES; attempt++) {
      unavailable.answers++;
      unavailable.ordersAffected.add(i);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const first = r.ms;
      r = await call(stack.baseUrl, 'POST', path, token, body, { 'Idempotency-Key': key });
      r.ms += first;
    }
    if (r.status !== expect) throw new StepError(`${name} answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
    const list = samples.get(name) ?? [];
    list.push(r.ms);
    samples.set(name, list);
    return r;
  };
  const from = new Date(Date.now() + 86_400_000);
  const placed = await step('place', resident.token, '/api/v1/service-orders', {
    menuItemId: w.menuItemId, communityId: community, phone: '13812345678', address: '幸福小区3号楼2单元501', windowFrom: from.toISOString(), windowTo: new Date(from.getTime() + 7_200_000).toISOString(),
  }, 201);
  const p = `/api/v1/service-orders/${placed.body.id}`;
  await step('dispatch', w.dispatcher.token, `${p}/dispatch`, { volunteerId: v.id });
  await step('accept', v.user.token, `${p}/accept`, {});
  await step('checkIn', v.user.token, `${p}/check-in`, { at: new Date(Date.now() - 3_600_000).toISOString() });
  await step('checkOut', v.user.token, `${p}/check-out`, { peopleServed: 1 });
  const rated = await step('rate', resident.token, `${p}/rating`, { rating: 5 });
  if (rated.body.status !== 'rated') throw new StepError(`rate left status ${rated.body.status}`);
  return placed.body.id as string;
}

/** Runs `fn`, logging how many of `total` are done every 15 s (a 10,000-order run takes many minutes). */
async function withProgress<T>(name: string, total: number, fn: (done: () => void) => Promise<T>): Promise<T> {
  let n = 0;
  const t0 = performance.now();
  const timer = setInterval(() => log(`  ${name}: ${n}/${total} done, ${round(n / ((performance.now() - t0) / 1000), 2)}/s, load1 ${loadavg1()}`), 15_000);
  try {
    return await fn(() => void n++);
  } finally {
    clearInterval(timer);
  }
}

async function inFlight(count: number, concurrency: number, job: (i: number) => Promise<void>) {
  const t0 = performance.now();
  let next = 0;
  let errors = 0;
  const errorSamples: string[] = [];
  const lane = async () => {
    for (let i = next++; i < count; i = next++) {
      try {
        await job(i);
      } catch (err) {
        errors++;
        if (errorSamples.length < 10) errorSamples.push(`#${i}: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return { seconds: (performance.now() - t0) / 1000, errors, errorSamples };
}

async function bareRun(stack: BenchStack, count: number, tag: string, done: () => void = () => undefined, local = false) {
  const steps: BareStep[] = STEPS.map((_, k) => ({ activities: 1, local, last: k === STEPS.length - 1 }));
  const updates: number[] = [];
  const run = await inFlight(count, CONCURRENCY, async (i) => {
    const handle = await stack.client.workflow.start(bareLifecycle, { workflowId: `bare-order-${tag}-${i}-${crypto.randomUUID()}`, taskQueue: BARE_TASK_QUEUE });
    for (const st of steps) {
      const t = performance.now();
      await handle.executeUpdate(bareStep, { args: [st] });
      updates.push(performance.now() - t);
    }
    await handle.result();
    done();
  });
  return { ...run, updates };
}

/** 200 redemptions of 10 points at once against a balance of 1,000: exactly 100 may pass. */
async function redemptions(stack: BenchStack, w: World) {
  const v = w.volunteers[0];
  const before = Number((await stack.db('time_bank_entries').where({ volunteer_id: v.id }).sum({ s: 'points' }).first())!.s ?? 0);
  const topUp = 1000 - before;
  if (topUp !== 0) {
    // A redemption row evens the balance to exactly 1,000 (bench setup only; the ledger stays a sum of rows).
    if (topUp > 0) {
      const [o] = await stack.db('service_orders').insert({ id: crypto.randomUUID(), category: 'seed', community_id: w.communities[0], region_path: w.s.streets[0].path, resident_name: '种子', phone: '13800000000', address: '-', window_from: new Date(), window_to: new Date(Date.now() + 1000), status: 'rated', ordered_by: w.dispatcher.id, ordered_at: new Date() }).returning('id');
      await stack.db('time_bank_entries').insert({ volunteer_id: v.id, order_id: o.id, cause: 'service_order', hours: topUp / 10, points: topUp });
    } else {
      await stack.db('time_bank_entries').insert({ volunteer_id: v.id, cause: 'redemption', hours: 0, points: topUp, resource_id: w.resourceId, note: 'bench: even the balance' });
    }
  }
  const t0 = performance.now();
  const answers = await Promise.all(Array.from({ length: REDEMPTIONS }, () => call(stack.baseUrl, 'POST', `/api/v1/volunteers/${v.id}/redemptions`, v.user.token, { points: 10, resourceId: w.resourceId })));
  const seconds = (performance.now() - t0) / 1000;
  const balance = Number((await stack.db('time_bank_entries').where({ volunteer_id: v.id }).sum({ s: 'points' }).first())!.s);
  const passed = answers.filter((a) => a.status === 201).length;
  const refused = answers.filter((a) => a.status === 422).length;
  return { requests: REDEMPTIONS, passed, refused, other: REDEMPTIONS - passed - refused, balanceAfter: balance, overdrafts: balance < 0 ? 1 : 0, seconds: round(seconds, 2), latency: latencyStats(answers.map((a) => a.ms)) };
}

export async function runServiceOrders(): Promise<{ result: Record<string, unknown>; targets: TargetResult[] }> {
  heading(`service-orders: ${ORDERS} orders through order → dispatch → accept → serve → rate over HTTP, ${CONCURRENCY} in flight, beside the bare engine`);
  const stack = await startBenchStack(TOPOLOGY === 'child' ? { bare: true, worker: 'child', api: { processes: 1 } } : { bare: true });
  const targets: TargetResult[] = [];
  const result: Record<string, unknown> = { config: { orders: ORDERS, concurrency: CONCURRENCY, warmup: WARMUP, block: BLOCK, updatesPerOrder: STEPS.length, activitiesPerOrder: STEPS.length, topology: TOPOLOGY, retries503: RETRIES } };
  try {
    const s = await seed(stack, { panelSize: 1 });
    const w = await world(stack, s);
    if (WARMUP > 0) {
      log(`warm-up: ${WARMUP} bare and ${WARMUP} product orders (not counted)`);
      await bareRun(stack, WARMUP, 'warmup');
      if (BARE_LOCAL) await bareRun(stack, WARMUP, 'warmup-local', undefined, true);
      await inFlight(WARMUP, CONCURRENCY, async (i) => void (await driveOrder(stack, w, i, new Map())));
    }
    // Bare and product run in alternating blocks (bare first in even blocks, product first in odd ones), so a
    // machine whose load drifts during a long run weighs on both sides alike; each side's time is the sum of its blocks.
    const blocks = Math.max(1, Math.ceil(ORDERS / BLOCK));
    log(`bare engine and product: ${ORDERS} orders each (${STEPS.length} updates an order) in ${blocks} alternating blocks of up to ${BLOCK}`);
    const bareLoad = loadavg1();
    const productLoad = bareLoad;
    const samples = new Map<string, number[]>();
    const ids: string[] = [];
    unavailable.answers = 0;
    unavailable.ordersAffected.clear();
    const sampler = new RssSampler(stack.pids.temporal, stack.pids.worker, stack.pids.api).start();
    const bare = { seconds: 0, errors: 0, errorSamples: [] as string[], updates: [] as number[] };
    const bareLocal = { seconds: 0, errors: 0, orders: 0, updates: [] as number[] };
    const product = { seconds: 0, errors: 0, errorSamples: [] as string[] };
    for (let b = 0; b < blocks; b++) {
      const from = b * BLOCK;
      const count = Math.min(BLOCK, ORDERS - from);
      const runBare = async () => {
        const r = await withProgress(`bare block ${b + 1}/${blocks}`, count, (done) => bareRun(stack, count, `run-${b}`, done));
        bare.seconds += r.seconds;
        bare.errors += r.errors;
        bare.errorSamples.push(...r.errorSamples.slice(0, Math.max(0, 10 - bare.errorSamples.length)));
        for (const u of r.updates) bare.updates.push(u);
      };
      const runBareLocal = async () => {
        if (!BARE_LOCAL) return;
        const r = await withProgress(`bare (local activities) block ${b + 1}/${blocks}`, count, (done) => bareRun(stack, count, `local-${b}`, done, true));
        bareLocal.seconds += r.seconds;
        bareLocal.errors += r.errors;
        bareLocal.orders += count;
        for (const u of r.updates) bareLocal.updates.push(u);
      };
      const runProduct = async () => {
        const r = await withProgress(`product block ${b + 1}/${blocks}`, count, (done) => inFlight(count, CONCURRENCY, async (i) => {
          ids.push(await driveOrder(stack, w, from + i, samples));
          done();
        }));
        product.seconds += r.seconds;
        product.errors += r.errors;
        product.errorSamples.push(...r.errorSamples.slice(0, Math.max(0, 10 - product.errorSamples.length)));
      };
      if (b % 2 === 0) {
        await runBare();
        await runBareLocal();
        await runProduct();
      } else {
        await runProduct();
        await runBareLocal();
        await runBare();
      }
      log(`after block ${b + 1}/${blocks}: bare ${round((from + count) / bare.seconds, 2)}/s, product ${round(ids.length / product.seconds, 2)}/s, load1 ${loadavg1()}`);
    }
    const bareUpdates = latencyStats(bare.updates);
    log(`bare: ${round(bare.seconds, 1)} s, ${round(ORDERS / bare.seconds, 2)} orders/s, update p50 ${bareUpdates.p50} ms p99 ${bareUpdates.p99} ms, errors ${bare.errors}`);
    const bareLocalUpdates = latencyStats(bareLocal.updates);
    const bareLocalOrdersPerS = bareLocal.orders ? bareLocal.orders / bareLocal.seconds : null;
    const mem = sampler.stop();
    const loadAfter = loadavg1();
    // 10,000 ids: one array parameter each, not one bind parameter per id.
    const rated = Number((await stack.db('service_orders').whereRaw('id = any(?::uuid[])', [ids]).where({ status: 'rated' }).count({ n: '*' }).first())!.n);
    const credits = await stack.db('time_bank_entries').whereRaw('order_id = any(?::uuid[])', [ids]).groupBy('order_id').select('order_id', stack.db.raw('count(*)::int as n'));
    const doubleCredits = credits.filter((c) => c.n > 1).length;
    const missingCredits = ids.length - credits.length;
    const openTasks = Number((await stack.db('tasks').whereRaw('key = any(?::text[])', [ids.map((id) => `order:${id}:rate`)]).where({ status: 'open' }).count({ n: '*' }).first())!.n);
    const perStep: Record<string, LatencyStats> = {};
    for (const name of STEPS) perStep[name] = latencyStats(samples.get(name) ?? []);
    const ordersPerS = ids.length / product.seconds;
    const bareOrdersPerS = ORDERS / bare.seconds;
    const errors = product.errors + bare.errors + bareLocal.errors + (ids.length - rated) + missingCredits;
    const red = await redemptions(stack, w);
    Object.assign(result, {
      product: { seconds: round(product.seconds, 1), orders: ids.length, ordersPerS: round(ordersPerS, 2), errors: product.errors, errorSamples: product.errorSamples, rated, doubleCredits, missingCredits, openRateTasks: openTasks, perStep, loadavgBefore: productLoad, loadavgAfter: loadAfter },
      bare: { seconds: round(bare.seconds, 1), ordersPerS: round(bareOrdersPerS, 2), updates: bareUpdates, errors: bare.errors, errorSamples: bare.errorSamples, loadavgBefore: bareLoad },
      ratio: round(ordersPerS / bareOrdersPerS, 3),
      bareLocal: bareLocalOrdersPerS === null ? null : { seconds: round(bareLocal.seconds, 1), orders: bareLocal.orders, ordersPerS: round(bareLocalOrdersPerS, 2), updates: bareLocalUpdates, errors: bareLocal.errors, ratio: round(ordersPerS / bareLocalOrdersPerS, 3) },
      memory: TOPOLOGY === 'child'
        ? { workerPeakRssMiB: mem.workerPeakRssMiB, apiPeakRssMiB: mem.api?.peakRssMiB ?? null, temporalPeakRssMiB: mem.temporalPeakRssMiB, benchProcessPeakRssMiB: mem.peakRssMiB, note: 'worker and API in their own processes; the bench process holds the load generator and the bare worker' }
        : { peakRssMiB: mem.peakRssMiB, note: 'worker, API and the HTTP load generator share the bench process' },
      unavailable: { answers503: unavailable.answers, ordersAffected: unavailable.ordersAffected.size, retriedWithKey: RETRIES > 0 },
      redemptions: red,
    });
    print(table([...STEPS.map((n) => [n, perStep[n].n, perStep[n].p50, perStep[n].p90, perStep[n].p99, round(perStep[n].p99 / bareUpdates.p99, 2)]), ['bare update', bareUpdates.n, bareUpdates.p50, bareUpdates.p90, bareUpdates.p99, 1]], ['step', 'n', 'p50 ms', 'p90 ms', 'p99 ms', 'p99 / bare p99']));
    print(`product ${ids.length} orders in ${round(product.seconds, 1)} s: ${round(ordersPerS, 2)} orders/s (load1 ${productLoad} before, ${loadAfter} after); bare ${ORDERS} in ${round(bare.seconds, 1)} s: ${round(bareOrdersPerS, 2)}/s (load1 ${bareLoad}); ratio ${round(ordersPerS / bareOrdersPerS, 3)}`);
    if (bareLocalOrdersPerS !== null) print(`bare engine with local activities: ${bareLocal.orders} in ${round(bareLocal.seconds, 1)} s: ${round(bareLocalOrdersPerS, 2)}/s, update p50 ${bareLocalUpdates.p50} ms p99 ${bareLocalUpdates.p99} ms, errors ${bareLocal.errors}; product / it ${round(ordersPerS / bareLocalOrdersPerS, 3)}`);
    const workerRss = TOPOLOGY === 'child' ? mem.workerPeakRssMiB ?? Infinity : mem.peakRssMiB;
    const memText = TOPOLOGY === 'child'
      ? `peak RSS: worker ${mem.workerPeakRssMiB} MiB, API ${mem.api?.peakRssMiB} MiB, Temporal ${mem.temporalPeakRssMiB} MiB, bench process (load generator and bare worker) ${mem.peakRssMiB} MiB`
      : `peak RSS ${mem.peakRssMiB} MiB (worker, API and load generator in one process)`;
    print(`errors ${errors} (product ${product.errors}, bare ${bare.errors}, bare local ${bareLocal.errors}, not rated ${ids.length - rated}, missing credits ${missingCredits}); double credits ${doubleCredits}; open rating tasks ${openTasks}; ${memText}`);
    print(`503 answers sent again with their Idempotency-Key: ${unavailable.answers} (in ${unavailable.ordersAffected.size} orders)`);
    if (product.errorSamples.length || bare.errorSamples.length) print(`error samples:\n  ${[...product.errorSamples, ...bare.errorSamples].join('\n  ')}`);
    print(`redemptions: ${red.passed} passed, ${red.refused} refused, ${red.other} other, balance after ${red.balanceAfter}`);
    const worstP99 = Math.max(...STEPS.map((n) => perStep[n].p99));
    targets.push(
      target('service-orders', 'orders/s >= 70% of the bare engine', `${round(ordersPerS, 2)} vs ${round(bareOrdersPerS, 2)}/s (${round(ordersPerS / bareOrdersPerS, 3)})`, ordersPerS >= 0.7 * bareOrdersPerS),
      target('service-orders', 'p99 of each step <= 2x the bare update p99', `worst ${worstP99} ms vs bare ${bareUpdates.p99} ms`, worstP99 <= 2 * bareUpdates.p99),
      target('service-orders', 'zero errors, zero double credits', `${errors} errors, ${doubleCredits} double credits (${unavailable.answers} 503 answers, each sent again with its key)`, errors === 0 && doubleCredits === 0),
      target('service-orders', 'zero 503 answers (no update slower than the API timeout)', `${unavailable.answers} in ${unavailable.ordersAffected.size} orders`, unavailable.answers === 0),
      target('service-orders', 'worker RSS < 1 GiB', TOPOLOGY === 'child' ? `${mem.workerPeakRssMiB} MiB peak (\`fuhua worker\` alone)` : `${mem.peakRssMiB} MiB peak (worker + API + client)`, workerRss < RSS_TARGET_MIB),
      target('service-orders', '200 concurrent redemptions: zero overdrafts', `${red.passed} passed of ${REDEMPTIONS}, balance after ${red.balanceAfter}`, red.overdrafts === 0 && red.balanceAfter >= 0 && red.passed === 100),
    );
  } finally {
    await stack.stop();
  }
  return { result, targets };
}
