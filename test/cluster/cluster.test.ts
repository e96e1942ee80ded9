// Fuhua on a real Temporal cluster on PostgreSQL (bin/cluster.ts): separate frontend, two history, matching and
// internal-worker processes, two API processes behind one port and two `fuhua worker` processes. The smoke lifecycle
// and a contest run over HTTP; then one worker and one history process are killed mid-load, and every acknowledged
// move is shown applied exactly once and every project at its stage.
//
// Runs when temporal-server, temporal-sql-tool and the schema files are cached (`node bin/run-ts.js
// bin/ensure-temporal-server.ts` builds them; .ci/run does); otherwise skipped with the reason printed.
// FUHUA_REQUIRE_CLUSTER_TEST=1 (set by .ci/run) turns the skip into a failure.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import request from 'supertest';
import { Client, Connection } from '@temporalio/client';
import { startCluster, type RunningCluster } from '../../bin/cluster';
import { cachedTemporalServer } from '../../bin/temporal-server';
import { createLogger } from '../../api/logger';
import { createMetrics } from '../../api/metrics';
import { createDb, type Db } from '../../db/knex';
import { getState } from '../../workflows/messages';
import { projectWorkflowId } from '../../api/projects/service';
import { as } from '../helpers/api';
import { contestBody, expectStatus, onlineRound, allAssignments, scoreAll, mapLimit } from '../helpers/contests';
import { agreementTerms, createCast, createProject, driveTo, seedNeed, today } from '../helpers/lifecycle';
import { seedApprovedProject, seedProgramme, type Seeded } from '../helpers/projects';
import { TEMPLATE_DB, withDatabase } from '../helpers/shared';
import { createUser, type Stack, type TestUser } from '../helpers/stack';

const found = cachedTemporalServer();
const skipReason = found.files ? null : `the Temporal server is not cached (${found.missing.join('; ')}); build it with \`node bin/run-ts.js bin/ensure-temporal-server.ts\``;
if (skipReason) {
  if (process.env.FUHUA_REQUIRE_CLUSTER_TEST) throw new Error(`FUHUA_REQUIRE_CLUSTER_TEST is set but ${skipReason}`);
  process.stderr.write(`[cluster test] skipped: ${skipReason}\n`);
}
const suite = skipReason ? describe.skip : describe;
jest.setTimeout(20 * 60_000);

suite(`Fuhua on a Temporal cluster on PostgreSQL${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  const suffix = crypto.randomBytes(4).toString('hex');
  const names = { fuhua: `cluster_${suffix}`, temporal: `temporal_${suffix}`, visibility: `temporal_visibility_${suffix}` };
  let cluster: RunningCluster;
  let db: Db;
  let connection: Connection;
  let stack: Stack;
  let dir: string;

  beforeAll(async () => {
    const pgUrl = process.env.FUHUA_TEST_PG_URL!;
    const admin = new PgClient({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${names.fuhua} TEMPLATE ${TEMPLATE_DB}`);
    await admin.end();
    dir = fs.mkdtempSync(path.join(process.env.FUHUA_TEST_WORKDIR!, 'cluster-'));
    cluster = await startCluster({
      files: found.files!,
      dir,
      adminUrl: pgUrl,
      fuhuaUrl: withDatabase(pgUrl, names.fuhua),
      temporalDb: names.temporal,
      visibilityDb: names.visibility,
      taskQueue: `cluster-${suffix}`,
      fuhuaEnv: { LOG_LEVEL: 'warn', FUHUA_ADMIN_PASSWORD: 'cluster-admin-password', FUHUA_SESSION_CACHE_MS: '0', FUHUA_UPDATE_TIMEOUT_MS: '20000' },
      log: () => undefined,
    });
    db = createDb({ url: withDatabase(pgUrl, names.fuhua), poolMax: 5 });
    connection = await Connection.connect({ address: cluster.frontendAddress });
    const client = new Client({ connection, namespace: cluster.namespace });
    // The test helpers drive an app over supertest: here the "app" is the cluster's port, and the deps reach its Temporal.
    stack = {
      db,
      app: cluster.apiUrl as never,
      client,
      taskQueue: cluster.taskQueue,
      deps: {
        db,
        temporal: { client, taskQueue: cluster.taskQueue },
        config: { bodyLimitBytes: 64 * 1024, tokenTtlMs: 3600_000, loginMaxFailures: 5, loginLockMs: 60_000, sessionCacheMs: 0, updateTimeoutMs: 60_000 },
        log: createLogger('silent'),
        metrics: createMetrics(),
        clock: () => new Date(),
      },
      worker: null,
      stopWorker: async () => undefined,
      startWorker: async () => undefined,
      close: async () => undefined,
    } as Stack;
  });

  afterAll(async () => {
    await connection?.close();
    await db?.destroy();
    if (cluster) {
      const pids = cluster.processes.map((p) => p.pid).filter((p): p is number => !!p);
      await cluster.stop();
      // No leftovers: every process the cluster started is gone.
      expect(pids.filter(alive)).toEqual([]);
    }
    const admin = new PgClient({ connectionString: process.env.FUHUA_TEST_PG_URL! });
    await admin.connect();
    for (const n of Object.values(names)) await admin.query(`DROP DATABASE IF EXISTS ${n} WITH (FORCE)`);
    await admin.end();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the cluster runs each Temporal service in its own process, and the API answers ready on one port', async () => {
    expect(cluster.processes.map((p) => p.name).sort()).toEqual(
      ['fuhua-api', 'fuhua-worker-1', 'fuhua-worker-2', 'temporal-frontend', 'temporal-history-1', 'temporal-history-2', 'temporal-matching', 'temporal-worker'].sort(),
    );
    const ready = await request(cluster.apiUrl).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ postgres: { ok: true }, migrations: { ok: true }, temporal: { ok: true } });
    // Temporal keeps its state in its own PostgreSQL databases, beside Fuhua's.
    const admin = new PgClient({ connectionString: withDatabase(process.env.FUHUA_TEST_PG_URL!, names.temporal) });
    await admin.connect();
    const { rows } = await admin.query("select count(*)::int as n from cluster_membership where rpc_port > 0 and session_start > now() - interval '1 hour'");
    await admin.end();
    expect(rows[0].n).toBeGreaterThanOrEqual(5);
  });

  test('smoke: a project goes from creation to closure over HTTP, and its workflow lives on the cluster', async () => {
    const s = await seedProgramme(stack);
    const cast = await createCast(stack, s);
    const need = await seedNeed(stack, s.communityId);
    const id = await createProject(stack, cast.applicant, s, need);
    await driveTo(stack, cast, s.rules, id, 'closed');
    const me = await as(stack, cast.officer).get('/api/v1/me');
    expect(me.status).toBe(200);
    expect((await db('projects').where({ id }).first('stage')).stage).toBe('closed');
    const described = await stack.client.workflow.getHandle(projectWorkflowId(id)).describe();
    expect(described.taskQueue).toBe(cluster.taskQueue);
  });

  test('a contest runs from entries to award on the cluster, and the awarded projects are in delivery', async () => {
    const { projectIds } = await awardedContest();
    for (const p of projectIds) expect((await db('projects').where({ id: p }).first('stage')).stage).toBe('delivery');
  });

  test('when one worker and one history process are killed mid-load, every acknowledged move is applied exactly once and every project is at its stage', async () => {
    const s = await seedProgramme(stack);
    const officer = await createUser(stack, ['officer'], { regionId: s.cityId });
    const reviewer = await createUser(stack, ['reviewer']);
    const applicant = await createUser(stack, ['applicant'], { organisationId: s.organisationId });
    const evaluator = await createUser(stack, ['evaluator']);
    const projects = await mapLimit(Array.from({ length: 6 }, (_, i) => i), 3, async (i) => {
      const id = await seedApprovedProject(stack, s, reviewer.id, { title: `fault ${i}` });
      expectStatus(await as(stack, officer).post(`/api/v1/projects/${id}/agreement`, agreementTerms()), 200);
      return id;
    });
    // One volunteer per project: a volunteer may not log more than 24 hours a day.
    const volunteers = new Map<string, string>();
    for (const p of projects) volunteers.set(p, expectStatus(await as(stack, applicant).post('/api/v1/volunteers', { name: `志愿者 ${p.slice(0, 8)}` }), 201).body.id as string);

    const perProject = 8;
    const moves = projects.flatMap((projectId) => Array.from({ length: perProject }, (_, k) => ({ projectId, key: `fault-${suffix}-${projectId}-${k}` })));
    const acknowledged = new Map<string, string>(); // idempotency key -> record id
    let retries = 0;
    const worker = cluster.processes.find((p) => p.name === 'fuhua-worker-1')!;
    const history = cluster.processes.find((p) => p.name === 'temporal-history-1')!;
    const before = { worker: worker.pid, history: history.pid };
    let killed = false;

    await mapLimit(moves, 6, async (m, i) => {
      if (!killed && i >= moves.length / 3) {
        killed = true;
        worker.kill('SIGKILL');
        history.kill('SIGKILL');
      }
      // Eight one-hour shifts of the same volunteer: each its own start time (one record a shift, issue 10 §2).
      const body = { activity: 'Home visits', heldOn: today(), startTime: `${String(8 + (i % perProject)).padStart(2, '0')}:00`, place: 'Community hall', peopleServed: 3, volunteers: [{ volunteerId: volunteers.get(m.projectId)!, hours: 1 }] };
      // A client that retries what the API told it to retry (503 with Retry-After, a dropped connection) with the same key.
      const deadline = Date.now() + 5 * 60_000;
      for (;;) {
        const res = await as(stack, applicant)
          .post(`/api/v1/projects/${m.projectId}/service-records`, body, { 'Idempotency-Key': m.key })
          .catch((err: Error) => ({ status: 0, body: { error: err.message } }));
        if (res.status === 201) {
          acknowledged.set(m.key, res.body.id as string);
          return;
        }
        if (![0, 500, 502, 503, 504].includes(res.status) || Date.now() > deadline) throw new Error(`move ${m.key}: ${res.status} ${JSON.stringify(res.body)}`);
        retries++;
        await new Promise((r) => setTimeout(r, 500));
      }
    });

    // Both killed processes were replaced by the supervisor.
    expect(killed).toBe(true);
    expect(worker.pid).not.toBe(before.worker);
    expect(history.pid).not.toBe(before.history);
    expect(acknowledged.size).toBe(moves.length);
    process.stderr.write(`[cluster test] ${moves.length} moves acknowledged after ${retries} retries; worker restarts ${worker.restarts}, history restarts ${history.restarts}\n`);

    // Exactly once: one row per acknowledged move, and no other rows.
    const rows = await db('service_records').whereIn('project_id', projects).select('id', 'project_id');
    expect(rows.map((r) => r.id).sort()).toEqual([...acknowledged.values()].sort());
    for (const p of projects) expect(rows.filter((r) => r.project_id === p)).toHaveLength(perProject);

    // Every project at its stage, in the read model and in its workflow, and still able to move on.
    for (const p of projects) {
      expect((await db('projects').where({ id: p }).first('stage')).stage).toBe('delivery');
      const state = await stack.client.workflow.getHandle(projectWorkflowId(p)).query(getState);
      expect(state.stage).toBe('delivery');
    }
    await mapLimit(projects, 3, async (p) => expectStatus(await as(stack, officer).post(`/api/v1/projects/${p}/evaluations`, { kind: 'final', evaluatorId: evaluator.id }), 200));
    for (const p of projects) expect((await db('projects').where({ id: p }).first('stage')).stage).toBe('evaluation');
  });

  /** Two approved projects through one online round, a published ranking and an award from the matching pool. */
  async function awardedContest(): Promise<{ contestId: string; projectIds: string[] }> {
    const s: Seeded = await seedProgramme(stack);
    const reviewer = await createUser(stack, ['reviewer', 'officer']);
    const organiser = await createUser(stack, ['organiser'], { regionId: s.cityId });
    const judgeList: TestUser[] = await Promise.all([createUser(stack, ['reviewer']), createUser(stack, ['reviewer'])]);
    const judges = new Map(judgeList.map((j) => [j.id, j]));
    const projectIds = await Promise.all([0, 1].map((i) => seedApprovedProject(stack, s, reviewer.id, { title: `cluster contest ${i}`, amountAskedFen: 100_000 })));
    const org = as(stack, organiser);
    const body = contestBody(s, { tracks: [{ key: 'elderly', name: '为老服务 Elderly' }], rounds: [onlineRound({ judgesPerEntry: 2 })], matchingPoolFen: 200_000, matchingCapPerEntryFen: 100_000 });
    const contestId = expectStatus(await org.post('/api/v1/contests', body), 201).body.id as string;
    const p = (x: string) => `/api/v1/contests/${contestId}${x}`;
    expectStatus(await org.post(p('/open-entries')), 200);
    for (const projectId of projectIds) expectStatus(await org.post(p('/entries'), { projectId, trackKey: 'elderly' }), 201);
    expectStatus(await org.post(p('/close-entries')), 200);
    expectStatus(await org.post(p('/judges'), { userIds: judgeList.map((j) => j.id) }), 200);
    expectStatus(await org.post(p('/start-judging')), 200);
    const assignments = await allAssignments(stack, organiser, contestId, 'preliminary');
    expect(assignments).toHaveLength(4);
    await scoreAll(stack, contestId, 'preliminary', assignments, judges, (entryId) => ({ need: 8, design: entryId < assignments[0].entryId ? 7 : 6 }));
    expect(expectStatus(await org.post(p('/close-round')), 200).body).toMatchObject({ phase: 'results' });
    expect(expectStatus(await org.post(p('/publish-ranking')), 200).body).toMatchObject({ phase: 'funding' });
    const awarded = expectStatus(await org.post(p('/award'), { startDate: '2027-01-01', endDate: '2027-12-31' }), 200).body;
    expect(awarded).toMatchObject({ phase: 'awarded', award: { matchingFen: 200_000, projectsMoved: 2, projectMoveFailures: [] } });
    expect((await db('contests').where({ id: contestId }).first('phase')).phase).toBe('awarded');
    expect(await db('contest_entries').where({ contest_id: contestId, status: 'awarded' }).count({ n: '*' }).first()).toEqual({ n: '2' });
    return { contestId, projectIds };
  }
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
