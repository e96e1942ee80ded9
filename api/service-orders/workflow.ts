import { WithStartWorkflowOperation } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { Knex } from 'knex';
import { serviceOrder } from '../../workflows/service-order/service-orders';
import { placeOrder, type OrderDraft, type OrderTerms, type OrderView, type ServiceOrderInput } from '../../workflows/service-order/messages';
import { serviceOrderRulesOf, type ProgrammeRules } from '../../workflows/rules/programme-rules';
import { NotFoundError } from '../errors';
import { executeWorkflowUpdate, runWorkflowUpdate, temporalOf, type UpdateDeps } from '../updates';

export const orderWorkflowId = (orderId: string) => `service-order-${orderId}`;

/** The programme's order terms: its rules' `serviceOrders` section over the defaults. */
export function orderTerms(rules: unknown): OrderTerms {
  return serviceOrderRulesOf(rules as ProgrammeRules | null);
}

async function currentStatus(db: Knex, orderId: string): Promise<string> {
  const row = await db('service_orders').where({ id: orderId }).first('status');
  if (!row) throw new NotFoundError('service-order');
  return row.status as string;
}

/**
 * Starts the order's workflow and places the order in one durable operation (update-with-start): the
 * workflow's first activity writes the row, so there is never a row without its workflow or the reverse.
 * With the same update id a retried request is the same placement.
 */
export async function startOrder(deps: UpdateDeps, input: ServiceOrderInput, args: { actorId: string; draft: OrderDraft }, updateId?: string): Promise<OrderView> {
  const { client, taskQueue } = temporalOf(deps);
  const startWorkflowOperation = new WithStartWorkflowOperation(serviceOrder, { workflowId: orderWorkflowId(input.orderId), taskQueue, args: [input], workflowIdConflictPolicy: 'USE_EXISTING' });
  // What the workflow refuses maps onto HTTP as for any step (a write the database refuses: 422, naming the rule).
  return runWorkflowUpdate(deps, { move: placeOrder.name, currentStage: () => currentStatus(deps.db, input.orderId) }, () =>
    client.workflow.executeUpdateWithStart(placeOrder, { args: [args], startWorkflowOperation, ...(updateId ? { updateId } : {}) }));
}

/** A step of an order; a wrong status is a 409 naming the current status, a broken rule a 422. */
export function executeOrderUpdate<A extends object>(deps: UpdateDeps, orderId: string, update: UpdateDefinition<OrderView, [A]>, args: A, updateId?: string): Promise<OrderView> {
  return executeWorkflowUpdate(deps, { workflowId: orderWorkflowId(orderId), move: update.name, currentStage: () => currentStatus(deps.db, orderId) }, update, args, updateId);
}
