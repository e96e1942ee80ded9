import crypto from 'node:crypto';
import { startStack, createUser, type Stack, type TestUser } from '../helpers/stack';
import { eventually } from '../helpers/api';
import { seedProgramme, testRules, type Seeded } from '../helpers/projects';
import { createCast, createProject, driveTo, seedNeed, today, type Cast } from '../helpers/lifecycle';
import { eventTypes, localActivityFailures } from '../helpers/histories';
import { refuseWrites } from '../helpers/refusals';
import { createActivities } from '../../activities';
import { executeProjectUpdate, projectWorkflowId } from '../../api/projects/service';
import { HttpError } from '../../api/errors';
import { getState, recordComplaint, recordQuarterlyReview } from '../../workflows/messages';

// Reports fall due every 2 s + 1 s, so a timer is always pending while the poisoned update is tried; overdue
// reports stay below red, so the project stays in delivery.
const base = testRules();
const rules = testRules({ monitoring: { ...base.monitoring, reportInterval: 'PT2S', reportGrace: 'PT1S', colour: { ...base.monitoring.colour, overdueReports: { blue: 1, yellow: 50, red: 100 } } } });

let stack: Stack;
let s: Seeded;
let cast: Cast;
let officer: TestUser;

beforeAll(async () => {
  // Long enough for an update to exhaust its ten attempts before the API answers.
  stack = await startStack({ config: { updateTimeoutMs: 150_000 } });
  s = await seedProgramme(stack, rules);
  cast = await createCast(stack, s);
  officer = cast.officer;
});
afterAll(async () => {
  await stack.close();
});

/** The worker's count of operator alerts raised for applyProjectEvent. */
async function alertsCounted(): Promise<number> {
  const metric = await stack.deps.metrics.registry.getSingleMetric('fuhua_worker_activity_alerts_total')?.get();
  return metric?.values.find((v) => v.labels.activity === 'applyProjectEvent')?.value ?? 0;
}
const complaint = (description: string) => ({ id: crypto.randomUUID(), receivedOn: today(), description });
const live = (id: string) => stack.client.workflow.getHandle(projectWorkflowId(id)).query(getState);

test('a NUL in a complaint sent straight to the workflow fails once as a 422 data error; the state is unchanged and the next update and the timers still work', async () => {
  const id = await createProject(stack, cast.applicant, s, await seedNeed(stack, s.communityId));
  await driveTo(stack, cast, rules, id, 'delivery');
  const before = await live(id);
  expect(before).toMatchObject({ stage: 'delivery', complaints: 0 });

  // Past the API's schema: the update itself carries the poisoned text.
  const poisoned = complaint('late start\u0000; DROP');
  const err = await executeProjectUpdate(stack.deps, id, recordComplaint, { actorId: officer.id, complaint: poisoned }, 'poisoned-complaint').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HttpError);
  expect(err).toMatchObject({ status: 422, extensions: expect.objectContaining({ sqlstate: '22021' }) });

  // Not retried: the write (a local activity in the move's workflow task) failed once, at its first attempt.
  const history = await stack.client.workflow.getHandle(projectWorkflowId(id)).fetchHistory();
  expect(localActivityFailures(history)).toEqual([{ activityType: 'applyProjectEvent', type: 'DataError', attempt: 1 }]);

  // The workflow's state and the database are as before the update.
  expect(await live(id)).toMatchObject({ stage: 'delivery', complaints: 0, colour: before.colour });
  expect(await stack.db('complaints').where({ project_id: id })).toEqual([]);
  expect(await stack.db('project_events').where({ project_id: id, kind: 'complaintRecorded' })).toEqual([]);

  // The next update goes through at once, and counts one complaint.
  const clean = complaint('late start');
  const after = await executeProjectUpdate(stack.deps, id, recordComplaint, { actorId: officer.id, complaint: clean }, 'clean-complaint');
  expect(after).toMatchObject({ stage: 'delivery', complaints: 1 });
  expect(await stack.db('complaints').where({ project_id: id }).select('id', 'description')).toEqual([{ id: clean.id, description: 'late start' }]);

  // The timers go on: reports keep falling overdue, one event per period.
  await eventually(async () => expect((await stack.db('project_events').where({ project_id: id, kind: 'reportOverdue' })).length).toBeGreaterThanOrEqual(2), 120_000);
  expect(eventTypes(history)).toContain('EVENT_TYPE_TIMER_STARTED');
}, 180_000);

test('a deadline whose write the database refuses does not end the project: its state stays as it was, the operator is alerted, and the work lands once the database takes it', async () => {
  const id = await createProject(stack, cast.applicant, s, await seedNeed(stack, s.communityId));
  await driveTo(stack, cast, rules, id, 'delivery');
  const handle = stack.client.workflow.getHandle(projectWorkflowId(id));
  const events = (kind: string) => stack.db('project_events').where({ project_id: id, kind });
  // What the report timers write is refused as a broken constraint would be (not retried); moves still write.
  const allow = await refuseWrites(stack.db, { table: 'project_events', on: 'insert', when: `new.project_id = '${id}' and new.kind in ('reportOverdue', 'reportPeriodOpened', 'reportReminder')`, errcode: '23514' });
  let reports: number;
  try {
    const alerts = await eventually(async () => {
      const rows = await stack.db('tasks').where({ kind: 'operator_alert' }).where('key', 'like', `alert:project-${id}:deadline:%`).select('role', 'title');
      expect(rows.length).toBeGreaterThan(0);
      return rows;
    }, 60_000);
    expect(alerts.map((t) => t.title).join()).toContain('applyProjectEvent');
    // The work is tried again on the timer loop's own timer, about a minute after the failure.
    await eventually(async () => {
      const { events: history } = await handle.fetchHistory();
      const timers = (history ?? []).filter((e) => e.timerStartedEventAttributes).map((e) => Number(String(e.timerStartedEventAttributes!.startToFireTimeout!.seconds)));
      expect(timers[timers.length - 1]).toBeGreaterThanOrEqual(50);
      expect(timers[timers.length - 1]).toBeLessThanOrEqual(60);
    }, 30_000);
    // Past several report periods: the run goes on, and its state holds none of the refused work.
    await new Promise((r) => setTimeout(r, 4000));
    expect((await handle.describe()).status.name).toBe('RUNNING');
    const view = await live(id);
    reports = view.reports.length;
    expect(view.reports.filter((r) => r.overdue)).toEqual([]);
    expect(await events('reportOverdue')).toEqual([]);
    // One alert for the streak of failures, however many retries.
    expect(await stack.db('tasks').where({ kind: 'operator_alert', role: 'admin' }).where('key', 'like', `alert:project-${id}:deadline:%`)).toHaveLength(1);
  } finally {
    await allow();
  }

  // The next move wakes the timer loop: the deadlines passed meanwhile are processed, each written once.
  await executeProjectUpdate(stack.deps, id, recordComplaint, { actorId: officer.id, complaint: complaint('after the outage') }, 'after-outage');
  await eventually(async () => {
    expect((await events('reportOverdue')).length).toBeGreaterThan(0);
    expect((await live(id)).reports.length).toBeGreaterThan(reports);
  }, 60_000);
  const overdue = (await events('reportOverdue')).map((e) => e.event_key as string);
  expect(new Set(overdue).size).toBe(overdue.length);
  expect((await handle.describe()).status.name).toBe('RUNNING');
}, 180_000);

test('an operator alert is one inbox task per admin and one for the role, however often it is raised, and counts once on the worker metrics', async () => {
  const admin: TestUser = await createUser(stack, ['admin']);
  let counted = 0;
  const acts = createActivities({ db: stack.db, clock: () => new Date(), log: stack.deps.log, temporal: stack.client, alerts: { inc: () => counted++ } });
  const alert = { key: `alert:test-${crypto.randomUUID()}`, workflowId: 'project-x', projectId: null, contestId: null, activity: 'applyProjectEvent', error: 'connection refused', at: new Date().toISOString() };
  expect(await acts.raiseOperatorAlert(alert)).toEqual({ tasks: 2 });
  expect(await acts.raiseOperatorAlert(alert)).toEqual({ tasks: 0 });
  expect(counted).toBe(1);
  const tasks = await stack.db('tasks').where('key', 'like', `${alert.key}%`).orderBy('key').select('key', 'user_id', 'role', 'kind', 'status');
  expect(tasks).toEqual([
    { key: alert.key, user_id: null, role: 'admin', kind: 'operator_alert', status: 'open' },
    { key: `${alert.key}:${admin.id}`, user_id: admin.id, role: null, kind: 'operator_alert', status: 'open' },
  ]);
});

test('a move whose database stays away fails after its bounded retries with a 503, raises an alert (inbox task and metric), and leaves the state unchanged', async () => {
  const admin = await createUser(stack, ['admin']);
  const id = await createProject(stack, cast.applicant, s, await seedNeed(stack, s.communityId));
  await driveTo(stack, cast, rules, id, 'delivery');
  const alertsBefore = await alertsCounted();
  // An infrastructure fault, not a data error: the table is gone, so every attempt fails and is retried.
  await stack.db.raw('ALTER TABLE quarterly_reviews RENAME TO quarterly_reviews_away');
  try {
    const review = { id: crypto.randomUUID(), quarter: '2026-Q4', heldOn: today(), notes: 'on track', attendees: [] };
    const err = await executeProjectUpdate(stack.deps, id, recordQuarterlyReview, { actorId: officer.id, review }, 'stuck-review').catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 503 });
  } finally {
    await stack.db.raw('ALTER TABLE quarterly_reviews_away RENAME TO quarterly_reviews');
  }
  const alerts = await stack.db('tasks').where({ kind: 'operator_alert' }).where('key', 'like', `alert:${id}:recordQuarterlyReview:%`).orderBy('key').select('user_id', 'role', 'title');
  // One for the role, one for each admin account (this file has two by now).
  const admins = (await stack.db('users').whereRaw('? = any(roles)', ['admin']).pluck('id')) as string[];
  expect(admins).toContain(admin.id);
  expect(alerts.filter((t) => t.role === 'admin').map((t) => t.user_id)).toEqual([null]);
  expect(alerts.filter((t) => t.role === null).map((t) => t.user_id).sort()).toEqual([...admins].sort());
  expect(alerts[0].title).toContain('applyProjectEvent');
  // One more than before this move (other tests of this file raise alerts too).
  expect(await alertsCounted()).toBe(alertsBefore + 1);
  expect(await stack.db('project_events').where({ project_id: id, kind: 'quarterlyReviewRecorded' })).toEqual([]);

  // The project takes the move once the database is back.
  const review = { id: crypto.randomUUID(), quarter: '2026-Q4', heldOn: today(), notes: 'on track', attendees: [] };
  await executeProjectUpdate(stack.deps, id, recordQuarterlyReview, { actorId: officer.id, review }, 'review-after');
  expect(await stack.db('quarterly_reviews').where({ project_id: id }).select('id')).toEqual([{ id: review.id }]);
}, 240_000);
