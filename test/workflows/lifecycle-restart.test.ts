import crypto from 'node:crypto';
import type { Response } from 'supertest';
import { startStack, type Stack, type TestUser } from '../helpers/stack';
import { as, eventually } from '../helpers/api';
import { seedProgramme, testRules, type Seeded } from '../helpers/projects';
import { createCast, createProject, driveTo, expectStatus, seedNeed, today, type Cast } from '../helpers/lifecycle';
import { createActivities } from '../../activities';
import type { ProjectEventInput } from '../../activities/project-events';
import { executeProjectUpdate, projectWorkflowId } from '../../api/projects/service';
import { getState, recordServiceRecord, type ProjectView } from '../../workflows/messages';

// A report falls due 4 s + 1 s after funding, so its timer is pending when the worker stops.
const base = testRules();
const rules = testRules({ monitoring: { ...base.monitoring, reportInterval: 'PT4S', reportGrace: 'PT1S' } });

// Waits are on events with generous bounds: a busy machine makes this slower, never red.
jest.setTimeout(300_000);

let stack: Stack;
let s: Seeded;
let needId: string;
let cast: Cast;
let applicant: TestUser;
let officer: TestUser;

beforeAll(async () => {
  stack = await startStack();
  s = await seedProgramme(stack, rules);
  needId = await seedNeed(stack, s.communityId);
  cast = await createCast(stack, s);
  ({ applicant, officer } = cast);
});
afterAll(async () => {
  await stack.close();
});

/** Waits until an instant has passed: the time a timer falls due, read from the workflow, not guessed. */
const untilPast = (iso: string) => eventually(async () => expect(Date.now()).toBeGreaterThan(Date.parse(iso)), 60_000, 100);
const kindCounts = async (projectId: string) =>
  Object.fromEntries((await stack.db('project_events').where({ project_id: projectId }).groupBy('kind').select('kind', stack.db.raw('count(*)::int as n'))).map((r) => [r.kind, r.n]));
const timeBank = async (volunteerId: string) =>
  stack.db('time_bank_entries').where({ volunteer_id: volunteerId }).select(stack.db.raw('count(*)::int as entries, coalesce(sum(hours), 0)::float as hours')).first();

test('with the worker stopped mid-delivery, moves wait; after a restart the project carries on, timers fire, and nothing is done twice', async () => {
  const id = await createProject(stack, applicant, s, needId);
  await driveTo(stack, cast, rules, id, 'delivery');
  const firstDue = (await stack.client.workflow.getHandle(projectWorkflowId(id)).query(getState)).reports[0].dueAt;
  const app = as(stack, applicant);
  const [v1, v2] = await Promise.all(['张伟', '刘洋'].map(async (name) => expectStatus(await app.post('/api/v1/volunteers', { name }), 201).body.id as string));

  await stack.stopWorker();
  // Timed shifts: one record a shift (issue 10 §2), so v1's two records of the day start at different times.
  const rec1 = { activity: 'Home visits', heldOn: today(), startTime: '09:00', place: 'Block 3', peopleServed: 8, volunteers: [{ volunteerId: v1, hours: 3 }, { volunteerId: v2, hours: 2 }] };
  const rec2 = { activity: 'Tea afternoon', heldOn: today(), startTime: '14:00', place: 'Community hall', peopleServed: 15, volunteers: [{ volunteerId: v1, hours: 1.5 }] };
  const direct = { id: crypto.randomUUID(), activity: 'Phone round', heldOn: today(), place: 'Office', peopleServed: 20, volunteers: [{ volunteerId: v2, hours: 1 }] };
  let settled = 0;
  const track = <T>(p: PromiseLike<T>): Promise<T> => {
    const started = Promise.resolve(p);
    started.then(() => settled++, () => settled++);
    return started;
  };
  const pending = {
    rec1: track<Response>(app.post(`/api/v1/projects/${id}/service-records`, rec1, { 'Idempotency-Key': 'restart-rec-1' })),
    rec2: track<Response>(app.post(`/api/v1/projects/${id}/service-records`, rec2, { 'Idempotency-Key': 'restart-rec-2' })),
    spend: track<Response>(app.post(`/api/v1/projects/${id}/spending`, { budgetItem: 'Activities', amountFen: 80_000, spentOn: today() }, { 'Idempotency-Key': 'restart-spend-1' })),
    // The same Temporal update id twice (an API process retrying after a crash): one update.
    direct1: track<ProjectView>(executeProjectUpdate(stack.deps, id, recordServiceRecord, { actorId: applicant.id, record: direct }, 'restart-direct')),
    direct2: track<ProjectView>(executeProjectUpdate(stack.deps, id, recordServiceRecord, { actorId: applicant.id, record: direct }, 'restart-direct')),
  };

  // Every request has reached the API (its Idempotency-Key is taken) and waits: none is answered without a worker.
  await eventually(async () => expect(await stack.db('idempotency_keys').where({ user_id: applicant.id }).whereIn('key', ['restart-rec-1', 'restart-rec-2', 'restart-spend-1'])).toHaveLength(3), 60_000);
  expect(settled).toBe(0);
  // A client retrying while its first request still waits is told to retry later, not queued twice.
  const impatient = await app.post(`/api/v1/projects/${id}/service-records`, rec1, { 'Idempotency-Key': 'restart-rec-1' });
  expect(impatient.status).toBe(409);
  expect(await stack.db('service_records').where({ project_id: id })).toEqual([]);
  expect(await stack.db('project_events').where({ project_id: id, kind: 'reportOverdue' })).toEqual([]);

  // Let the first report fall due while no worker runs, then start one.
  await untilPast(firstDue);
  expect(settled).toBe(0);
  await stack.startWorker();

  const [r1, r2, spend, d1, d2] = await Promise.all([pending.rec1, pending.rec2, pending.spend, pending.direct1, pending.direct2]);
  expect([r1.status, r2.status, spend.status]).toEqual([201, 201, 201]);
  expect(d1.stage).toBe('delivery');
  expect(d2.stage).toBe('delivery');

  // The timer that fell due during the outage fires once; the next one, armed after the restart, fires too.
  await eventually(async () => expect((await stack.db('project_events').where({ project_id: id, kind: 'reportOverdue' }).orderBy('id')).map((e) => e.data.period).slice(0, 1)).toEqual([1]), 120_000);
  await eventually(async () => expect((await stack.db('project_events').where({ project_id: id, kind: 'reportOverdue' }).orderBy('id')).map((e) => e.data.period).slice(0, 2)).toEqual([1, 2]), 120_000);
  expect(await stack.db('tasks').where({ project_id: id, kind: 'monthly_report' }).orderBy('key').limit(2).select('key')).toEqual([{ key: `${id}:report-overdue:1` }, { key: `${id}:report-overdue:2` }]);

  // A retry after the restart replays the first answer.
  const retry = await app.post(`/api/v1/projects/${id}/service-records`, rec1, { 'Idempotency-Key': 'restart-rec-1' });
  expect(retry.status).toBe(201);
  expect(retry.headers['idempotent-replayed']).toBe('true');
  expect(retry.body.id).toBe(r1.body.id);

  const records = await stack.db('service_records').where({ project_id: id }).orderBy('activity').select('id', 'activity', 'volunteer_hours');
  expect(records.map((r) => [r.activity, Number(r.volunteer_hours)])).toEqual([['Home visits', 5], ['Phone round', 1], ['Tea afternoon', 1.5]]);
  expect(await timeBank(v1)).toEqual({ entries: 2, hours: 4.5 });
  expect(await timeBank(v2)).toEqual({ entries: 2, hours: 3 });
  expect(await stack.db('spending_entries').where({ project_id: id }).select('amount_fen')).toEqual([{ amount_fen: '80000' }]);

  // One event per move; report timers go on firing (one event per period), so they are checked by period.
  // (Report periods opening and ending are timer events too, and the creation is the timeline's first event.)
  const { reportOverdue, reportPeriodOpened: _opened, reportReminder: _reminded, created, ...moves } = await kindCounts(id);
  expect(created).toBe(1);
  expect(moves).toEqual({ designSubmitted: 1, panelAssigned: 1, reviewScored: 1, reviewDecided: 1, fundedDirectly: 1, serviceRecorded: 3, spendingRecorded: 1 });
  expect(reportOverdue).toBeGreaterThanOrEqual(2);
  const twice = await stack.db('project_events').where({ project_id: id })
    .groupByRaw("kind, coalesce(data->>'id', data->>'period')").havingRaw('count(*) > 1').select('kind');
  expect(twice).toEqual([]);
  expect((await stack.db('projects').where({ id }).first('stage')).stage).toBe('delivery');
  const live = await as(stack, officer).get(`/api/v1/projects/${id}`);
  expect(live.body.live).toMatchObject({ stage: 'delivery', submittedPeriods: [] });
});

test('applying the same project event twice writes it once: the second call reports applied: false', async () => {
  const id = await createProject(stack, applicant, s, needId);
  const [volunteer] = await stack.db('volunteers').insert({ name: '陈静' }).returning('id');
  const acts = createActivities({ db: stack.db, clock: () => new Date(), log: stack.deps.log, temporal: stack.client });
  const record = { id: crypto.randomUUID(), activity: 'Visits', heldOn: today(), place: 'Hall', peopleServed: 4, volunteers: [{ volunteerId: volunteer.id as string, hours: 2.5 }] };
  const input: ProjectEventInput = {
    key: `${id}:direct-apply`, projectId: id, at: new Date().toISOString(), kind: 'serviceRecorded', actorId: applicant.id, stage: 'design', colour: 'green',
    data: { id: record.id }, write: { op: 'serviceRecord', record },
    openTasks: [{ key: `${id}:direct-apply-task`, userId: officer.id, kind: 'note', title: 'Look at this', dueAt: null }],
  };
  expect(await acts.applyProjectEvent(input)).toEqual({ applied: true });
  expect(await acts.applyProjectEvent({ ...input, at: new Date().toISOString() })).toEqual({ applied: false });
  expect(await stack.db('project_events').where({ event_key: input.key }).select('kind')).toEqual([{ kind: 'serviceRecorded' }]);
  expect(await stack.db('service_records').where({ id: record.id })).toHaveLength(1);
  expect(await timeBank(volunteer.id)).toEqual({ entries: 1, hours: 2.5 });
  expect(await stack.db('tasks').where({ project_id: id, kind: 'note' })).toHaveLength(1);

  // The colour recompute is idempotent by its key as well.
  const colour = { projectId: id, key: `${id}:direct-colour`, at: new Date().toISOString(), overdueReports: 0, complaints: 3, supervisionIndex: null, colourRules: rules.monitoring.colour };
  const first = await acts.recomputeColour(colour);
  expect(first).toMatchObject({ colour: 'red', changed: true });
  expect(await acts.recomputeColour(colour)).toEqual(first);
  expect(await stack.db('colour_changes').where({ project_id: id }).select('from_colour', 'to_colour')).toEqual([{ from_colour: 'green', to_colour: 'red' }]);
});
