import fs from 'node:fs';
import path from 'node:path';
import type { History } from '@temporalio/common/lib/proto-utils';
import { startStack, type Stack } from '../helpers/stack';
import { eventually } from '../helpers/api';
import { bundleVariant, currentWorkflowCode, eventTypes, historyFromJson, recordHistory, replayAll } from '../helpers/histories';
import { dispatchToVolunteer, placeOrder, seedOrderWorld, type OrderWorld } from '../service-orders/fixtures';
import { executeOrderUpdate, orderWorkflowId } from '../../api/service-orders/workflow';
import { acceptOrder, checkIn, checkOut, declineOrder, rateOrder, DEFAULT_ORDER_TERMS, type OrderTerms } from '../../workflows/service-order/messages';

// Determinism guard for the service-order workflow: every history under order-histories/ (recorded from orders that
// take every step, with both timers firing, one set per release) must replay on the current code. Histories are kept,
// never overwritten; after a change to the order workflow, add a set under a new release name with
//   RECORD_HISTORIES=<release> npx jest --selectProjects integration --testPathPatterns order-replay
// (writes order-histories/service-order-<path>-<release>.json; a name already taken fails the test).
// Orders placed before `order-writes-local` (scheduled writes) were never recorded: that branch is guarded by the
// patch alone.
const HISTORIES = path.join(__dirname, 'order-histories');

jest.setTimeout(300_000);

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

const statusOf = async (orderId: string) => (await stack.db('service_orders').where({ id: orderId }).first('status')).status as string;
const dispatchTo = (orderId: string, i: number) => dispatchToVolunteer(stack, w, orderId, i);

async function historyOf(orderId: string, status: string): Promise<History> {
  const handle = stack.client.workflow.getHandle(orderWorkflowId(orderId));
  expect((await handle.result()).status).toBe(status);
  return handle.fetchHistory();
}

/** Declined, then let the accept deadline pass (escalated), dispatched again, accepted, served and rated 2 (a complaint). */
async function escalatedThenRated(): Promise<History> {
  const { orderId } = await placeOrder(stack, w, { ...terms, acceptWithin: 'PT1S' });
  await dispatchTo(orderId, 0);
  await executeOrderUpdate(stack.deps, orderId, declineOrder, { actorId: w.volunteers[0].user.id, organisationId: null, reason: 'ill today' });
  await dispatchTo(orderId, 1);
  await eventually(async () => expect(await statusOf(orderId)).toBe('escalated'));
  await dispatchTo(orderId, 2);
  const v = w.volunteers[2].user.id;
  await executeOrderUpdate(stack.deps, orderId, acceptOrder, { actorId: v, organisationId: null });
  await executeOrderUpdate(stack.deps, orderId, checkIn, { actorId: v, at: new Date(Date.now() - 90 * 60_000).toISOString() });
  await executeOrderUpdate(stack.deps, orderId, checkOut, { actorId: v, at: new Date(Date.now() - 60_000).toISOString(), peopleServed: 2 });
  await executeOrderUpdate(stack.deps, orderId, rateOrder, { actorId: w.resident.id, rating: 2, comment: '来晚了' });
  return historyOf(orderId, 'rated');
}

/** Served, then the rating window passes: closed as unrated. */
async function unrated(): Promise<History> {
  const { orderId } = await placeOrder(stack, w, { ...terms, ratingWindow: 'PT1S' });
  await dispatchTo(orderId, 0);
  const v = w.volunteers[0].user.id;
  await executeOrderUpdate(stack.deps, orderId, acceptOrder, { actorId: v, organisationId: null });
  await executeOrderUpdate(stack.deps, orderId, checkIn, { actorId: v });
  await executeOrderUpdate(stack.deps, orderId, checkOut, { actorId: v, peopleServed: 1 });
  return historyOf(orderId, 'unrated');
}

test('every recorded service-order history, and two recorded now, replay on the current workflow code; a non-deterministic change fails', async () => {
  const fresh = { 'escalated-rated': await escalatedThenRated(), unrated: await unrated() };
  const rated = eventTypes(fresh['escalated-rated']);
  // Every kind of step: updates, the local writes' markers, the complaint's scheduled activity, both timers fired.
  for (const t of ['EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED', 'EVENT_TYPE_MARKER_RECORDED', 'EVENT_TYPE_ACTIVITY_TASK_COMPLETED', 'EVENT_TYPE_TIMER_FIRED', 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED']) {
    expect(rated).toContain(t);
  }
  expect(eventTypes(fresh.unrated)).toContain('EVENT_TYPE_TIMER_FIRED');
  if (process.env.RECORD_HISTORIES) {
    for (const [name, history] of Object.entries(fresh)) recordHistory(HISTORIES, `service-order-${name}`, process.env.RECORD_HISTORIES, history);
  }

  const files = fs.readdirSync(HISTORIES).filter((f) => f.endsWith('.json')).sort();
  expect(files.length).toBeGreaterThanOrEqual(2);
  const recorded = files.map((f) => ({ workflowId: `recorded:${f}`, history: historyFromJson(fs.readFileSync(path.join(HISTORIES, f), 'utf8')) }));
  const all = [...recorded, ...Object.entries(fresh).map(([name, history]) => ({ workflowId: `fresh:${name}`, history }))];
  expect(await replayAll({ ...currentWorkflowCode(), replayName: 'order-determinism-guard' }, all)).toEqual(all.map((h) => ({ workflowId: h.workflowId, error: null })));

  // The guard can fail: the same histories on an order workflow that starts with an extra timer do not replay.
  const changed = await bundleVariant(require.resolve('./fixtures/nondeterministic-service-order'));
  const broken = await replayAll({ workflowBundle: changed, replayName: 'order-determinism-guard-control' }, all);
  expect(broken.map((r) => r.error)).toEqual(all.map(() => expect.stringMatching(/DeterminismViolation|[Nn]ondetermin/)));
});
