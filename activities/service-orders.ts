import crypto from 'node:crypto';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { ActivityDeps } from './deps';
import type { OrderDraft, OrderStatus } from '../workflows/service-order/messages';
import { recordComplaint } from '../workflows/messages';
import { applyOrderWrite, closeOrderTasks, insertOrderEvent, openOrderTasks, type OrderTaskSpec, type OrderWrite } from '../db/repositories/service-orders';

export type { OrderTaskSpec, OrderWrite } from '../db/repositories/service-orders';

export interface OrderEventInput {
  key: string;
  orderId: string;
  at: string;
  kind: string;
  actorId: string | null;
  /** The status after the event: the read model the API lists from. */
  status: OrderStatus;
  data: Record<string, unknown>;
  write?: OrderWrite;
  openTasks?: OrderTaskSpec[];
  /** Key prefixes of the order's tasks this event completes. */
  closeTasks?: string[];
}

export interface OrderComplaintInput {
  orderId: string;
  projectId: string;
  raterId: string;
  rating: number;
  comment: string;
  ratedAt: string;
}

/** A stable UUID from a text, so a retried activity names the same complaint. */
function uuidOf(text: string): string {
  const h = crypto.createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function createServiceOrderActivities({ db, log, temporal }: ActivityDeps) {
  return {
    /**
     * Writes one order event: the order row, its dispatch history, the time bank, the timeline and the inbox,
     * in one transaction. The event key is unique, so a retried activity finds its own row and does nothing.
     */
    async applyOrderEvent(ev: OrderEventInput): Promise<{ applied: boolean }> {
      // A data error (SQLSTATE class 22 or 23) leaves it as a non-retryable DataError (activities/data-errors.ts):
      // the API answers 422 with the catalogue's text, never the database's own.
      return db.transaction(async (trx) => {
        if (ev.write?.op === 'create') await applyOrderWrite(trx, ev.orderId, ev.at, ev.actorId, ev.write);
        // The event and the order's status in one statement; the write after it (the order row exists by then).
        if (!(await insertOrderEvent(trx, { orderId: ev.orderId, key: ev.key, kind: ev.kind, actorId: ev.actorId, data: ev.data, at: ev.at, status: ev.status }))) {
          log.info('order event already applied', { key: ev.key });
          return { applied: false };
        }
        if (ev.write && ev.write.op !== 'create') await applyOrderWrite(trx, ev.orderId, ev.at, ev.actorId, ev.write);
        await closeOrderTasks(trx, ev.orderId, ev.closeTasks ?? [], ev.at);
        await openOrderTasks(trx, ev.orderId, ev.openTasks ?? [], ev.at);
        return { applied: true };
      });
    },

    /**
     * A rating of 2 or less counts as a complaint in the project's four-colour grade: it goes through the
     * project workflow's own recordComplaint update. The update id is the order's, so retries count it once.
     * A project no longer delivering takes no complaints, and a complaint the project refuses (a rule, or data its
     * database refuses) would be refused again: both are reported, not retried, so the rated order's workflow ends.
     * Anything else (the project's database or Temporal away) is retried.
     */
    async reportOrderComplaint(input: OrderComplaintInput): Promise<{ recorded: boolean; reason?: string }> {
      const handle = temporal.workflow.getHandle(`project-${input.projectId}`);
      const complaint = { id: uuidOf(`service-order-complaint:${input.orderId}`), receivedOn: input.ratedAt.slice(0, 10), description: `Service order ${input.orderId} rated ${input.rating}/5: ${input.comment}` };
      try {
        await handle.executeUpdate(recordComplaint, { args: [{ actorId: input.raterId, complaint }], updateId: `service-order-complaint-${input.orderId}` });
        return { recorded: true };
      } catch (err) {
        const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
        if (cause instanceof ApplicationFailure && cause.type === 'IllegalMove') {
          log.warn('complaint from a low rating not recorded: the project takes no complaints now', { orderId: input.orderId, projectId: input.projectId, reason: cause.message });
          return { recorded: false, reason: cause.message };
        }
        const refusal = cause instanceof ActivityFailure && cause.retryState === 'NON_RETRYABLE_FAILURE' ? cause.cause : cause;
        if (refusal instanceof ApplicationFailure && refusal.nonRetryable) {
          log.warn('complaint from a low rating not recorded: the project refused it', { orderId: input.orderId, projectId: input.projectId, type: refusal.type, reason: refusal.message });
          return { recorded: false, reason: refusal.message };
        }
        throw err;
      }
    },
  };
}

export type { OrderDraft };
