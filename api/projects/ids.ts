import { createHash, randomUUID } from 'node:crypto';

/** A project's workflow id: the business id is the workflow id. */
export const projectWorkflowId = (projectId: string) => `project-${projectId}`;

/**
 * The id of a document a move writes (a service record, a spending entry, a visit...): from the Idempotency-Key when
 * there is one, so a retried request writes, and answers, the same document.
 */
export function documentIdFrom(idempotencyKey?: string): string {
  if (!idempotencyKey) return randomUUID();
  const h = createHash('sha256').update(idempotencyKey).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
