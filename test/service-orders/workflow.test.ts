import crypto from 'node:crypto';
import { startStack, type Stack } from '../helpers/stack';
import { eventually } from '../helpers/api';
import { executeOrderUpdate, startOrder } from '../../api/service-orders/workflow';
import { acceptOrder, checkIn, checkOut, declineOrder, getOrder, rateOrder, DEFAULT_ORDER_TERMS, type OrderTerms } from '../../workflows/service-order/messages';
import { IllegalMoveError, BusinessRuleError } from '../../api/errors';
import { dispatchToVolunteer, draftFor, openTasks, placeOrder, seedOrderWorld, type OrderWorld } from './fixtures';
import { refuseWrites } from '../helpers/refusals';

let stack: Stack;
let w: OrderWorld;
const terms: OrderTerms = { ...DEFAULT_ORDER_TERMS, maxFailedDispatches: 2 };

beforeAll(async () => {
  stack = await startStack();
  w = await seedOrderWorld(stack, { volunteers: 3 });
});
afterAll(async () => {
  await stack.close();
});

const order = (id: string) => stack.db('service_orders').where({ id }).first();
const dispatchTo = (orderId: string, i: number) => dispatchToVolunteer(stack, w, orderId, i);

test('when a resident orders, the order is written as ordered and a dispatch task waits for the community dispatchers', async () => {
  const { orderId, view } = await placeOrder(stack, w, terms);

  expect(view).toMatchObject({ status: 'ordered', attempts: 0 });
  expect(await order(orderId)).toMatchObject({ status: 'ordered', resident_id: w.resident.id, phone: '13812345678', region_path: w.s.communityPath, project_id: w.projectId });
  expect(await openTasks(stack, orderId)).toEqual([`dispatch_order->dispatcher@${w.s.communityPath}`]);
});

test('when the assignee declines and the next lets the deadline pass, the order escalates to the street officer with both dispatches kept', async () => {
  const { orderId } = await placeOrder(stack, w, { ...terms, acceptWithin: 'PT1S' });
  await dispatchTo(orderId, 0);
  expect(await openTasks(stack, orderId)).toEqual([`accept_order->${w.volunteers[0].user.id}`]);

  const declined = await executeOrderUpdate(stack.deps, orderId, declineOrder, { actorId: w.volunteers[0].user.id, organisationId: null, reason: 'ill today' });
  expect(declined).toMatchObject({ status: 'ordered', failedDispatches: 1 });
  expect(await openTasks(stack, orderId)).toEqual([`dispatch_order->dispatcher@${w.s.communityPath}`]);

  await dispatchTo(orderId, 1);
  const escalated = await eventually(async () => {
    const row = await order(orderId);
    expect(row.status).toBe('escalated');
    return row;
  });

  expect(escalated).toMatchObject({ failed_dispatches: 2, assignee_volunteer_id: null });
  const history = await stack.db('service_order_dispatches').where({ order_id: orderId }).orderBy('attempt').select('attempt', 'volunteer_id', 'outcome', 'reason');
  expect(history).toEqual([
    { attempt: 1, volunteer_id: w.volunteers[0].id, outcome: 'declined', reason: 'ill today' },
    { attempt: 2, volunteer_id: w.volunteers[1].id, outcome: 'timed_out', reason: null },
  ]);
  expect(await openTasks(stack, orderId)).toEqual([`escalated_order->officer@${w.streetPath}`]);
});

test('when an escalated order is dispatched again and accepted, the escalation task closes and the server gets a serve task', async () => {
  const { orderId } = await placeOrder(stack, w, { ...terms, maxFailedDispatches: 1 });
  await dispatchTo(orderId, 0);
  await executeOrderUpdate(stack.deps, orderId, declineOrder, { actorId: w.volunteers[0].user.id, organisationId: null, reason: 'busy' });
  expect((await order(orderId)).status).toBe('escalated');

  await dispatchTo(orderId, 2);
  const accepted = await executeOrderUpdate(stack.deps, orderId, acceptOrder, { actorId: w.volunteers[2].user.id, organisationId: null });

  expect(accepted).toMatchObject({ status: 'accepted', acceptedBy: w.volunteers[2].user.id });
  expect(await order(orderId)).toMatchObject({ status: 'accepted', accepted_by: w.volunteers[2].user.id, assignee_volunteer_id: w.volunteers[2].id });
  expect(await openTasks(stack, orderId)).toEqual([`serve_order->${w.volunteers[2].user.id}`]);
});

test('when someone other than the assignee accepts, it is refused and nothing changes', async () => {
  const { orderId } = await placeOrder(stack, w, terms);
  await dispatchTo(orderId, 0);

  await expect(executeOrderUpdate(stack.deps, orderId, acceptOrder, { actorId: w.volunteers[1].user.id, organisationId: null })).rejects.toMatchObject({ status: 409 });

  expect(await order(orderId)).toMatchObject({ status: 'dispatched', accepted_by: null });
  expect(await stack.db('service_order_events').where({ order_id: orderId }).pluck('kind')).toEqual(['orderPlaced', 'orderDispatched']);
});

test('when the server checks in and out, the service is recorded and the volunteer is credited once, whatever the retries', async () => {
  const { orderId } = await placeOrder(stack, w, terms);
  const v = w.volunteers[0];
  await dispatchTo(orderId, 0);
  await executeOrderUpdate(stack.deps, orderId, acceptOrder, { actorId: v.user.id, organisationId: null });
  const inAt = new Date(Date.now() - 90 * 60_000).toISOString();
  await executeOrderUpdate(stack.deps, orderId, checkIn, { actorId: v.user.id, at: inAt });
  const outAt = new Date(Date.now() - 60_000).toISOString();
  const args = { actorId: v.user.id, at: outAt, peopleServed: 2 };
  const served = await executeOrderUpdate(stack.deps, orderId, checkOut, args, `checkout-${orderId}`);
  const again = await executeOrderUpdate(stack.deps, orderId, checkOut, args, `checkout-${orderId}`);

  expect(served).toMatchObject({ status: 'served', checkedInAt: inAt, checkedOutAt: outAt });
  expect(again).toEqual(served);
  expect(await order(orderId)).toMatchObject({ status: 'served', people_served: 2, hours: '1.48' });
  const credits = await stack.db('time_bank_entries').where({ order_id: orderId });
  expect(credits).toHaveLength(1);
  expect(credits[0]).toMatchObject({ volunteer_id: v.id, cause: 'service_order', points: 15 });
  expect(await openTasks(stack, orderId)).toEqual([`rate_order->${w.resident.id}`]);
});

test('when check-out comes before check-in, it is refused: 409 with the status before check-in, 422 with a time before it', async () => {
  const { orderId } = await placeOrder(stack, w, terms);
  const v = w.volunteers[1];
  await dispatchTo(orderId, 1);
  await executeOrderUpdate(stack.deps, orderId, acceptOrder, { actorId: v.user.id, organisationId: null });

  const early = executeOrderUpdate(stack.deps, orderId, checkOut, { actorId: v.user.id, peopleServed: 1 });
  await expect(early).rejects.toBeInstanceOf(IllegalMoveError);
  await expect(early).rejects.toMatchObject({ extensions: { currentStage: 'accepted' } });
  await executeOrderUpdate(stack.deps, orderId, checkIn, { actorId: v.user.id });
  const backwards = executeOrderUpdate(stack.deps, orderId, checkOut, { actorId: v.user.id, at: new Date(Date.now() - 86_400_000).toISOString(), peopleServed: 1 });
  await expect(backwards).rejects.toBeInstanceOf(BusinessRuleError);

  expect(await order(orderId)).toMatchObject({ status: 'in_service', checked_out_at: null });
  expect(await stack.db('time_bank_entries').where({ order_id: orderId })).toHaveLength(0);
});

async function servedOrder(t: OrderTerms): Promise<string> {
  const { orderId } = await placeOrder(stack, w, t);
  const v = w.volunteers[2];
  await dispatchTo(orderId, 2);
  await executeOrderUpdate(stack.deps, orderId, acceptOrder, { actorId: v.user.id, organisationId: null });
  await executeOrderUpdate(stack.deps, orderId, checkIn, { actorId: v.user.id });
  await executeOrderUpdate(stack.deps, orderId, checkOut, { actorId: v.user.id, peopleServed: 1 });
  return orderId;
}

test('when the resident rates 5, the order closes as rated and no follow-up or complaint is opened', async () => {
  const orderId = await servedOrder(terms);

  const rated = await executeOrderUpdate(stack.deps, orderId, rateOrder, { actorId: w.resident.id, rating: 5, comment: '很好' });

  expect(rated.status).toBe('rated');
  expect(await order(orderId)).toMatchObject({ status: 'rated', rating: 5, rating_comment: '很好' });
  expect((await order(orderId)).closed_at).not.toBeNull();
  expect(await openTasks(stack, orderId)).toEqual([]);
  expect(await stack.db('complaints').where({ project_id: w.projectId }).whereLike('description', `%${orderId}%`)).toHaveLength(0);
});

/** The next `n` order event inserts fail as a database away would (not a data error, so the write retries). */
async function failOrderWrites(n: number): Promise<{ attempts: () => Promise<number>; end: () => Promise<void> }> {
  await stack.db.raw(`create sequence order_write_attempts;
    create function fail_order_writes() returns trigger language plpgsql as $$
    begin if nextval('order_write_attempts') <= ${n} then raise exception 'database away (test)'; end if; return new; end $$;
    create trigger fail_order_writes before insert on service_order_events for each row execute function fail_order_writes();`);
  return {
    attempts: async () => Number((await stack.db.raw('select last_value from order_write_attempts')).rows[0].last_value),
    end: async () => {
      await stack.db.raw('drop trigger fail_order_writes on service_order_events; drop function fail_order_writes(); drop sequence order_write_attempts;');
    },
  };
}

test('when the database refuses an order\'s write twice, the step retries inside its own workflow task and writes once, with no scheduled activity', async () => {
  const { orderId } = await placeOrder(stack, w, terms);
  // The next two event inserts fail as a database away would (not a data error): the write retries, then lands.
  const outage = await failOrderWrites(2);
  try {
    const view = await dispatchTo(orderId, 0);
    expect(view).toMatchObject({ status: 'dispatched', attempts: 1 });
  } finally {
    await outage.end();
  }
  expect(await order(orderId)).toMatchObject({ status: 'dispatched' });
  expect(await stack.db('service_order_events').where({ order_id: orderId, kind: 'orderDispatched' })).toHaveLength(1);
  expect(await openTasks(stack, orderId)).toEqual([`accept_order->${w.volunteers[0].user.id}`]);

  const { events } = await stack.client.workflow.getHandle(`service-order-${orderId}`).fetchHistory();
  const scheduled = (events ?? []).filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!.activityType?.name);
  const markers = (events ?? []).filter((e) => e.markerRecordedEventAttributes).map((e) => e.markerRecordedEventAttributes!.markerName);
  expect(scheduled).toEqual([]);
  // The patch marker, then one local-activity marker for each step's write (placing, then dispatching).
  expect(markers).toEqual(['core_patch', 'core_local_activity', 'core_local_activity']);
});

test('when the database stays away for a while, the order\'s write waits on a server timer between attempts instead of holding its workflow task, then lands once', async () => {
  const { orderId } = await placeOrder(stack, w, terms);
  // Six refusals: five retries inside the task (0.2 + 0.4 + 0.8 + 1.6 + 3.2 s of backoff), then a backoff of 6.4 s,
  // past the 5 s kept inside a task, which the workflow waits out on a timer before the seventh attempt lands.
  const outage = await failOrderWrites(6);
  try {
    const view = await dispatchTo(orderId, 0);
    expect(view).toMatchObject({ status: 'dispatched', attempts: 1 });
    expect(await outage.attempts()).toBe(7);
  } finally {
    await outage.end();
  }
  expect(await stack.db('service_order_events').where({ order_id: orderId, kind: 'orderDispatched' })).toHaveLength(1);

  const { events } = await stack.client.workflow.getHandle(`service-order-${orderId}`).fetchHistory();
  const kinds = (events ?? []).map((e) => Object.keys(e).find((k) => k.endsWith('EventAttributes'))!.replace('EventAttributes', ''));
  // From the dispatch's acceptance, with the workflow task that accepted it (its completion comes just before).
  const accepted = kinds.lastIndexOf('workflowExecutionUpdateAccepted');
  const step = kinds.slice(kinds.lastIndexOf('workflowTaskCompleted', accepted));
  // The task that took the update ran six attempts inside it, then recorded them (a marker with the backoff) and
  // started a timer for the seventh; the task the timer woke wrote (the second marker), answered the update and
  // started the acceptance deadline's timer. No scheduled activity; and no task kept alive by heartbeats, which
  // would show as workflow tasks completed every 8 s between the two markers.
  expect(step).toEqual([
    'workflowTaskCompleted', 'workflowExecutionUpdateAccepted', 'markerRecorded', 'timerStarted',
    'timerFired', 'workflowTaskScheduled', 'workflowTaskStarted', 'workflowTaskCompleted', 'markerRecorded', 'workflowExecutionUpdateCompleted', 'timerStarted',
  ]);
});

/** Refuses the order's event inserts of one kind as a broken constraint would (a data error: not retried). */
function refuseOrderEvents(orderId: string, kind: string): Promise<() => Promise<void>> {
  return refuseWrites(stack.db, { table: 'service_order_events', on: 'insert', when: `new.order_id = '${orderId}' and new.kind = '${kind}'`, errcode: '23514' });
}

test('when a step\'s write is refused, the step answers 422 and the order\'s workflow keeps the status the database has, so the step can be taken again', async () => {
  const { orderId } = await placeOrder(stack, w, terms);
  const allow = await refuseOrderEvents(orderId, 'orderDispatched');
  try {
    const refused = await dispatchTo(orderId, 0).catch((e: unknown) => e);
    // Said from the catalogue (a check the data broke), never in the database's own words.
    expect(refused).toMatchObject({ status: 422, extensions: { sqlstate: '23514', errors: [expect.objectContaining({ field: '/body', rule: 'data-accepted' })] } });
    expect(JSON.stringify(refused)).not.toMatch(/insert into|refused \(test\)/);
  } finally {
    await allow();
  }
  expect(await stack.client.workflow.getHandle(`service-order-${orderId}`).query(getOrder)).toMatchObject({ status: 'ordered', attempts: 0, current: null });
  expect(await order(orderId)).toMatchObject({ status: 'ordered' });

  expect(await dispatchTo(orderId, 0)).toMatchObject({ status: 'dispatched', attempts: 1 });
  expect(await order(orderId)).toMatchObject({ status: 'dispatched' });
});

test('when placing an order is refused, the request answers 422, no order is written, and its workflow ends instead of waiting for an order that does not exist', async () => {
  const orderId = crypto.randomUUID();
  const input = { orderId, regionPath: w.s.communityPath, streetPath: w.streetPath, projectOrganisationId: w.s.organisationId, terms };
  const allow = await refuseOrderEvents(orderId, 'orderPlaced');
  try {
    const refused = await startOrder(stack.deps, input, { actorId: w.resident.id, draft: draftFor(w, w.resident.id) }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 422, extensions: { sqlstate: '23514', errors: [expect.objectContaining({ rule: 'data-accepted' })] } });
  } finally {
    await allow();
  }
  expect(await order(orderId)).toBeUndefined();
  const handle = stack.client.workflow.getHandle(`service-order-${orderId}`);
  await eventually(async () => expect((await handle.describe()).status.name).toBe('COMPLETED'));
  expect(await handle.result()).toMatchObject({ status: 'ordered', placedAt: null });
});

test('when the write of a missed acceptance deadline is refused, the order\'s workflow goes on with the order still dispatched, alerts the operator, and the assignee can still accept', async () => {
  const { orderId } = await placeOrder(stack, w, { ...terms, acceptWithin: 'PT1S' });
  const handle = stack.client.workflow.getHandle(`service-order-${orderId}`);
  const allow = await refuseOrderEvents(orderId, 'dispatchTimedOut');
  try {
    await dispatchTo(orderId, 0);
    await eventually(async () => {
      expect(await stack.db('tasks').where({ kind: 'operator_alert', role: 'admin' }).where('key', 'like', `alert:service-order-${orderId}:deadline:%`)).toHaveLength(1);
    }, 30_000);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect(await handle.query(getOrder)).toMatchObject({ status: 'dispatched', failedDispatches: 0 });
    expect(await order(orderId)).toMatchObject({ status: 'dispatched', failed_dispatches: 0 });
  } finally {
    await allow();
  }

  const accepted = await executeOrderUpdate(stack.deps, orderId, acceptOrder, { actorId: w.volunteers[0].user.id, organisationId: null });
  expect(accepted).toMatchObject({ status: 'accepted', failedDispatches: 0 });
  expect(await order(orderId)).toMatchObject({ status: 'accepted' });
  expect((await handle.describe()).status.name).toBe('RUNNING');
});

test('when a rating of 6 is given, it is refused and the order still waits for its rating', async () => {
  const orderId = await servedOrder(terms);

  await expect(executeOrderUpdate(stack.deps, orderId, rateOrder, { actorId: w.resident.id, rating: 6, comment: '' })).rejects.toMatchObject({ status: 422, extensions: { errors: [expect.objectContaining({ field: '/body/rating' })] } });

  expect(await order(orderId)).toMatchObject({ status: 'served', rating: null });
});

test('when the resident rates 2, the project lead gets a follow-up task and the project counts a complaint once', async () => {
  const orderId = await servedOrder(terms);

  await executeOrderUpdate(stack.deps, orderId, rateOrder, { actorId: w.resident.id, rating: 2, comment: '来晚了' });

  expect(await order(orderId)).toMatchObject({ status: 'rated', rating: 2 });
  expect(await openTasks(stack, orderId)).toEqual([`follow_up_rating->applicant@${w.s.organisationId}`]);
  const complaints = await eventually(async () => {
    const rows = await stack.db('complaints').where({ project_id: w.projectId }).whereLike('description', `%${orderId}%`);
    expect(rows).toHaveLength(1);
    return rows;
  });
  expect(complaints[0].description).toContain('rated 2/5');
});

test('when the project refuses the complaint of a low rating, the order still closes as rated, its workflow ends, and the follow-up task stays', async () => {
  const orderId = await servedOrder(terms);
  // The project's database refuses this complaint (a data error: the project's update fails at once).
  const allow = await refuseWrites(stack.db, { table: 'complaints', on: 'insert', when: `new.description like '%${orderId}%'`, errcode: '23514' });
  const handle = stack.client.workflow.getHandle(`service-order-${orderId}`);
  try {
    expect(await executeOrderUpdate(stack.deps, orderId, rateOrder, { actorId: w.resident.id, rating: 1, comment: '没有来' })).toMatchObject({ status: 'rated', rating: 1 });
    // Reported, not retried for good: the order's workflow completes.
    await eventually(async () => expect((await handle.describe()).status.name).toBe('COMPLETED'), 30_000);
  } finally {
    await allow();
  }
  expect(await order(orderId)).toMatchObject({ status: 'rated', rating: 1 });
  expect(await stack.db('complaints').where({ project_id: w.projectId }).whereLike('description', `%${orderId}%`)).toEqual([]);
  expect(await openTasks(stack, orderId)).toEqual([`follow_up_rating->applicant@${w.s.organisationId}`]);
});

test('when the rating window passes, the order closes as unrated with no score and the rating task closes', async () => {
  const orderId = await servedOrder({ ...terms, ratingWindow: 'PT1S' });

  const closed = await eventually(async () => {
    const row = await order(orderId);
    expect(row.status).toBe('unrated');
    return row;
  });

  expect(closed).toMatchObject({ rating: null });
  expect(closed.closed_at).not.toBeNull();
  expect(await openTasks(stack, orderId)).toEqual([]);
  expect(await stack.db('tasks').where({ key: `order:${orderId}:rate` }).first('status')).toEqual({ status: 'done' });
});
