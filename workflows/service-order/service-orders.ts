import * as wf from '@temporalio/workflow';
import type { RetryPolicy, UpdateDefinition } from '@temporalio/common';
import type { Activities } from '../../activities';
import type { OrderEventInput, OrderTaskSpec } from '../../activities/service-orders';
import * as m from './messages';
import type { Actor, OrderMove, OrderState, OrderStatus, OrderView, ServiceOrderInput } from './messages';
import { serialiser } from '../serialise';
import { addDuration, parseInstant } from '../rules/duration';
import { msg, type Message, type MessageKey, type Params } from '../../i18n/message';
import { violation } from '../rules/violations';
import { timeZoneOf } from '../rules/programme-rules';
import { proxyLocalActivities } from '../activity-options';
import { DeadlineRetry, restoreFields } from '../deadline-retry';

const ORDER_RETRY: RetryPolicy = { initialInterval: '200 milliseconds', maximumInterval: '10 seconds', backoffCoefficient: 2, nonRetryableErrorTypes: ['BusinessRule'] };

const acts = wf.proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: ORDER_RETRY });

/**
 * The order's own writes: one short transaction each, run by the worker that runs the workflow task. They retry
 * until the database is back (an order's step is never dropped), but only the first few seconds of attempts run
 * inside the task: a local activity retrying longer keeps its workflow task alive with a heartbeat every 8 s (three
 * history events each, 1,350 an hour an order, and a workflow task each for the server), so past 5 s of backoff
 * each next attempt waits on a server timer instead, up to 2 minutes apart (six events an attempt: a marker, the
 * timer and a workflow task; none between).
 */
const LOCAL_ORDER_RETRY: RetryPolicy = { ...ORDER_RETRY, maximumInterval: '2 minutes' };
const localActs = proxyLocalActivities({ startToCloseTimeout: '30 seconds', localRetryThreshold: '5 seconds', retry: LOCAL_ORDER_RETRY });

/**
 * Marker (docs/workflows.md): an order's event is written by a local activity inside the workflow task that
 * handles its update (before: a scheduled activity, a second workflow task and three more history events a step).
 * Asked once when the run starts, so a run recorded before keeps scheduled activities to its end.
 */
export const ORDER_WRITES_LOCAL = 'order-writes-local';

/** Marker (docs/workflows.md): a step whose write is refused puts the order's state back as it was before the step. */
export const ORDER_STEP_FAILURE_RESTORES = 'order-step-failure-restores';

export function initialOrderState(): OrderState {
  return {
    status: 'ordered', placedAt: null, attempts: 0, failedDispatches: 0, current: null, acceptedBy: null, acceptedAt: null,
    checkedInAt: null, checkedOutAt: null, ratingDueAt: null, rating: null, raterId: null, projectId: null,
  };
}

function illegal(status: OrderStatus, move: string): wf.ApplicationFailure {
  return wf.ApplicationFailure.create({ type: 'IllegalMove', message: `"${move}" is not allowed while the order's current status is "${status}"`, details: [{ currentStage: status, move, message: msg('problem.illegal-move.order', { move, current: status }) }], nonRetryable: true });
}

function conflict(status: OrderStatus, message: Message): wf.ApplicationFailure {
  return wf.ApplicationFailure.create({ type: 'Conflict', message: message.key, details: [{ currentStage: status, message }], nonRetryable: true });
}

function businessRule(field: string, rule: string, key: MessageKey, params?: Params): wf.ApplicationFailure {
  const v = violation(field, rule, key, params);
  return wf.ApplicationFailure.create({ type: 'BusinessRule', message: `${field}: ${v.message}`, details: [{ errors: [v] }], nonRetryable: true });
}

const nowIso = () => new Date().toISOString();

/** Hours between check-in and check-out, to the hundredth. */
export function servedHours(checkedInAt: string, checkedOutAt: string): number {
  return Math.round((parseInstant(checkedOutAt) - parseInstant(checkedInAt)) / 36_000) / 100;
}

/**
 * One workflow per residents' service order (id `service-order-<orderId>`): it owns the status and the two
 * timers (the assignee's deadline to accept, the resident's window to rate). Every step is an update whose
 * validator refuses a wrong status before anything is written; every step a person must take is a task.
 */
export async function serviceOrder(input: ServiceOrderInput): Promise<OrderView> {
  const { orderId, regionPath, streetPath, projectOrganisationId, terms } = input;
  const state = initialOrderState();
  const writes = wf.patched(ORDER_WRITES_LOCAL) ? localActs : acts;
  const exclusive = serialiser();
  let changes = 0;
  /** The current step's own write landed (the step may still fail after it: a low rating's complaint). */
  let stepWritten = false;
  /** Placing the order was refused: the run ends with no order written. */
  let abandoned = false;

  const key = (suffix: string) => `order:${orderId}:${suffix}`;
  const dispatchers = (attempt: number): OrderTaskSpec => ({ key: key(`dispatch:${attempt}`), role: 'dispatcher', regionPath, kind: 'dispatch_order', title: msg('task.order.dispatch'), dueAt: null });

  function view(): OrderView {
    return { ...state, current: state.current && { ...state.current }, orderId };
  }

  async function record(eventKey: string, ev: Omit<OrderEventInput, 'key' | 'orderId' | 'at' | 'status'>, at = nowIso()): Promise<void> {
    await writes.applyOrderEvent({ ...ev, key: eventKey, orderId, at, status: state.status });
    stepWritten = true;
  }

  function requireMove(move: OrderMove): void {
    if (move === 'placeOrder') {
      if (state.placedAt) throw conflict(state.status, msg('problem.conflict.order-placed'));
      return;
    }
    if (!state.placedAt) throw illegal(state.status, move);
    if (!m.orderMoveAllowed(state.status, move)) throw illegal(state.status, move);
  }

  function on<A extends Actor>(def: UpdateDefinition<OrderView, [A]>, move: OrderMove, check: (a: A) => void, apply: (a: A, eventKey: string) => Promise<void>): void {
    wf.setHandler(
      def,
      (a: A) => {
        const eventKey = `${orderId}:${move}:${wf.currentUpdateInfo()?.id ?? wf.uuid4()}`;
        return exclusive(async () => {
          requireMove(move);
          check(a);
          const before = JSON.stringify(state);
          stepWritten = false;
          try {
            await apply(a, eventKey);
          } catch (err) {
            // A step whose write was refused leaves the order as the database has it, and a refused placing ends the
            // run, which has no order to wait for (runs from before kept what the step had set, and waited).
            if (!stepWritten && wf.patched(ORDER_STEP_FAILURE_RESTORES)) {
              restoreFields(state, before);
              if (move === 'placeOrder') {
                abandoned = true;
                changes++;
              }
            }
            throw err;
          }
          changes++;
          return view();
        });
      },
      { validator: (a: A) => { requireMove(move); check(a); } },
    );
  }

  wf.setHandler(m.getOrder, view);

  /** Only the one the order was dispatched to may answer it: their own account, or their organisation's applicants. */
  function requireAssignee(a: Actor & { organisationId: string | null }): void {
    const c = state.current;
    if (!c) return;
    const mine = c.userId ? a.actorId === c.userId : !!a.organisationId && a.organisationId === c.organisationId;
    if (!mine) throw conflict(state.status, msg('problem.conflict.order-elsewhere'));
  }

  on(m.placeOrder, 'placeOrder', (a) => {
    if (parseInstant(a.draft.windowTo) <= parseInstant(a.draft.windowFrom)) throw businessRule('/body/windowTo', 'window', 'rule.order.window');
  }, async (a, eventKey) => {
    const at = nowIso();
    state.placedAt = at;
    state.status = 'ordered';
    state.projectId = a.draft.projectId;
    state.raterId = a.draft.residentId ?? a.draft.orderedBy;
    await record(eventKey, {
      kind: 'orderPlaced', actorId: a.actorId, data: { category: a.draft.category, menuItemId: a.draft.menuItemId }, write: { op: 'create', draft: a.draft, status: 'ordered' },
      openTasks: [dispatchers(1)],
    }, at);
  });

  on(m.dispatchOrder, 'dispatchOrder', (a) => {
    if (a.kind === 'volunteer' && !a.volunteerId) throw businessRule('/body/volunteerId', 'required', 'rule.order.volunteer-required');
    if (a.kind === 'team' && !a.organisationId) throw businessRule('/body/organisationId', 'required', 'rule.order.team-required');
  }, async (a, eventKey) => {
    const at = nowIso();
    state.attempts += 1;
    state.current = { attempt: state.attempts, kind: a.kind, volunteerId: a.volunteerId, organisationId: a.organisationId, userId: a.userId, dueAt: addDuration(at, terms.acceptWithin) };
    state.status = 'dispatched';
    const c = state.current;
    const accept: OrderTaskSpec = c.userId
      ? { key: key(`accept:${c.attempt}`), userId: c.userId, kind: 'accept_order', title: msg('task.order.accept'), dueAt: c.dueAt }
      : { key: key(`accept:${c.attempt}`), role: 'applicant', organisationId: c.organisationId ?? undefined, kind: 'accept_order', title: msg('task.order.accept'), dueAt: c.dueAt };
    await record(eventKey, {
      kind: 'orderDispatched', actorId: a.actorId, data: { attempt: c.attempt, kind: c.kind, volunteerId: c.volunteerId, organisationId: c.organisationId, dueAt: c.dueAt },
      write: { op: 'dispatch', attempt: c.attempt, kind: c.kind, volunteerId: c.volunteerId, organisationId: c.organisationId, dueAt: c.dueAt },
      openTasks: [accept], closeTasks: [key('dispatch:'), key('escalate:')],
    }, at);
  });

  /** A decline or a missed deadline returns the order to dispatch, with the history kept; after N it escalates. */
  async function failDispatch(eventKey: string, actorId: string | null, outcome: 'declined' | 'timed_out', reason: string | null): Promise<void> {
    const c = state.current!;
    state.failedDispatches += 1;
    state.current = null;
    const escalate = state.failedDispatches >= terms.maxFailedDispatches;
    state.status = escalate ? 'escalated' : 'ordered';
    const next: OrderTaskSpec = escalate
      ? { key: key(`escalate:${state.failedDispatches}`), role: 'officer', regionPath: streetPath, kind: 'escalated_order', title: msg('task.order.escalated'), dueAt: null }
      : dispatchers(state.attempts + 1);
    await record(eventKey, {
      kind: outcome === 'declined' ? 'orderDeclined' : 'dispatchTimedOut', actorId, data: { attempt: c.attempt, reason, failedDispatches: state.failedDispatches, escalated: escalate },
      write: { op: 'dispatchOutcome', attempt: c.attempt, outcome, reason, failedDispatches: state.failedDispatches },
      openTasks: [next], closeTasks: [key(`accept:${c.attempt}`)],
    });
  }

  on(m.acceptOrder, 'acceptOrder', requireAssignee, async (a, eventKey) => {
    const c = state.current!;
    const at = nowIso();
    state.status = 'accepted';
    state.acceptedBy = a.actorId;
    state.acceptedAt = at;
    await record(eventKey, {
      kind: 'orderAccepted', actorId: a.actorId, data: { attempt: c.attempt },
      write: { op: 'dispatchOutcome', attempt: c.attempt, outcome: 'accepted', reason: null, failedDispatches: state.failedDispatches },
      openTasks: [{ key: key('serve'), userId: a.actorId, kind: 'serve_order', title: msg('task.order.serve'), dueAt: null }],
      closeTasks: [key(`accept:${c.attempt}`)],
    }, at);
  });

  on(m.declineOrder, 'declineOrder', requireAssignee, async (a, eventKey) => {
    await failDispatch(eventKey, a.actorId, 'declined', a.reason);
  });

  const requireServer = (a: Actor) => {
    if (a.actorId !== state.acceptedBy) throw conflict(state.status, msg('problem.conflict.order-not-yours'));
  };

  on(m.checkIn, 'checkIn', requireServer, async (a, eventKey) => {
    const at = a.at ?? nowIso();
    state.status = 'in_service';
    state.checkedInAt = at;
    await record(eventKey, { kind: 'checkedIn', actorId: a.actorId, data: { at }, write: { op: 'checkIn', at } });
  });

  on(m.checkOut, 'checkOut', (a) => {
    requireServer(a);
    if (a.at && state.checkedInAt && parseInstant(a.at) < parseInstant(state.checkedInAt)) throw businessRule('/body/at', 'after-check-in', 'rule.order.after-check-in', { checkedInAt: state.checkedInAt, timeZone: timeZoneOf(input) });
  }, async (a, eventKey) => {
    const at = a.at ?? nowIso();
    const hours = servedHours(state.checkedInAt!, at);
    const volunteerId = state.current?.kind === 'volunteer' ? state.current.volunteerId : null;
    state.status = 'served';
    state.checkedOutAt = at;
    state.ratingDueAt = addDuration(nowIso(), terms.ratingWindow);
    const credit = volunteerId ? { volunteerId, points: Math.round(hours * terms.pointsPerHour) } : null;
    await record(eventKey, {
      kind: 'checkedOut', actorId: a.actorId, data: { at, peopleServed: a.peopleServed, hours, points: credit?.points ?? 0 },
      write: { op: 'checkOut', at, peopleServed: a.peopleServed, hours, credit },
      openTasks: [{ key: key('rate'), userId: state.raterId!, kind: 'rate_order', title: msg('task.order.rate'), dueAt: state.ratingDueAt }],
      closeTasks: [key('serve')],
    });
  });

  on(m.rateOrder, 'rateOrder', (a) => {
    if (!Number.isInteger(a.rating) || a.rating < 1 || a.rating > 5) throw businessRule('/body/rating', 'rating', 'rule.order.rating');
  }, async (a, eventKey) => {
    const at = nowIso();
    state.status = 'rated';
    state.rating = a.rating;
    const low = a.rating <= 2;
    await record(eventKey, {
      kind: 'orderRated', actorId: a.actorId, data: { rating: a.rating, comment: a.comment }, write: { op: 'rate', rating: a.rating, comment: a.comment },
      openTasks: low && projectOrganisationId ? [{ key: key('follow-up'), role: 'applicant', organisationId: projectOrganisationId, kind: 'follow_up_rating', title: msg('task.order.follow-up'), dueAt: null }] : [],
      closeTasks: [key('rate')],
    }, at);
    if (low && state.projectId) await acts.reportOrderComplaint({ orderId, projectId: state.projectId, raterId: a.actorId, rating: a.rating, comment: a.comment, ratedAt: at });
  });

  on(m.cancelOrder, 'cancelOrder', () => undefined, async (a, eventKey) => {
    const c = state.current;
    state.status = 'cancelled';
    state.current = null;
    await record(eventKey, {
      kind: 'orderCancelled', actorId: a.actorId, data: { reason: a.reason },
      write: { op: 'close', cancelAttempt: c && state.acceptedBy === null ? c.attempt : null, reason: a.reason },
      closeTasks: [key('')],
    });
  });

  // The timers: the assignee's deadline while dispatched, the rating window once served. A timer's write that is
  // refused puts the order back and is tried again later, never failing the run (see DeadlineRetry).
  const retry = new DeadlineRetry(() => ({ workflowId: `service-order-${orderId}`, projectId: state.projectId, contestId: null }));
  const untilDue = (at: string) => Math.max(0, retry.next(parseInstant(at))! - Date.now());
  while (!m.CLOSED_STATUSES.includes(state.status) && !abandoned) {
    const seen = changes;
    if (state.status === 'dispatched' && state.current) {
      const c = state.current;
      if (!(await wf.condition(() => changes !== seen, untilDue(c.dueAt)))) {
        await exclusive(() => retry.run(state, async () => {
          if (state.status === 'dispatched' && state.current?.attempt === c.attempt) {
            await failDispatch(`${orderId}:timeout:${c.attempt}`, null, 'timed_out', null);
            changes++;
          }
        }));
      }
    } else if (state.status === 'served' && state.ratingDueAt) {
      if (!(await wf.condition(() => changes !== seen, untilDue(state.ratingDueAt)))) {
        await exclusive(() => retry.run(state, async () => {
          if (state.status !== 'served') return;
          state.status = 'unrated';
          await record(`${orderId}:unrated`, { kind: 'orderUnrated', actorId: null, data: { ratingDueAt: state.ratingDueAt }, write: { op: 'close', cancelAttempt: null, reason: null }, closeTasks: [key('rate')] });
          changes++;
        }));
      }
    } else {
      await wf.condition(() => changes !== seen);
    }
  }
  await wf.condition(wf.allHandlersFinished);
  return view();
}

