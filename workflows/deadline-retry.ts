import * as wf from '@temporalio/workflow';
import { exhausted, raiseAlert, type AlertSubject } from './activity-options';

/** The first wait after a deadline's work failed; it doubles with each failure in a row, up to the last. */
export const FIRST_DEADLINE_RETRY_MS = 60_000;
export const LAST_DEADLINE_RETRY_MS = 15 * 60_000;

/** Puts an object's fields back as its JSON snapshot had them; fields added since are removed. */
export function restoreFields(target: object, snapshot: string): void {
  const before = JSON.parse(snapshot) as Record<string, unknown>;
  const fields = target as Record<string, unknown>;
  for (const k of Object.keys(fields)) if (!(k in before)) delete fields[k];
  Object.assign(fields, before);
}

/**
 * What a passed deadline does (a reminder, a report falling overdue, an expiry, an order's missed acceptance) is
 * written by activities. If a write fails (refused, or the database away past the write's retry bound), a failure
 * thrown from the workflow's main loop would fail the whole run, and a flag set before the write would drop the
 * work for good. Instead the state is put back as it was before the work, the operator is alerted (a refusal here;
 * a write past its bound is alerted where it failed), and the work runs again when the timer loop next wakes: not
 * before 1 minute, doubling to 15, or at once when a move succeeds. The work's writes are keyed, so a part that did
 * land before the failure is not written twice. Only an activity's failure is caught: anything else is a bug, and
 * fails the workflow task (retried by the server) as before.
 */
export class DeadlineRetry {
  private failures = 0;
  private retryAt: number | null = null;
  private streak = '';

  /** `subject` names the workflow (and its project or contest) in the log and the alert. */
  constructor(private readonly subject: () => AlertSubject) {}

  /** When the timer loop should wake for `deadline`: not before the retry's time while a failed work waits. */
  next(deadline: number | null): number | null {
    return this.retryAt === null || deadline === null ? deadline : Math.max(deadline, this.retryAt);
  }

  /** Runs the deadline's work on `state`; on an activity's failure puts `state` back and schedules the retry. */
  async run(state: object, work: () => Promise<void>): Promise<void> {
    const snapshot = JSON.stringify(state);
    try {
      await work();
      this.failures = 0;
      this.retryAt = null;
    } catch (err) {
      if (!(err instanceof wf.ActivityFailure)) throw err;
      restoreFields(state, snapshot);
      this.failures += 1;
      if (this.failures === 1) this.streak = new Date().toISOString();
      const wait = Math.min(LAST_DEADLINE_RETRY_MS, FIRST_DEADLINE_RETRY_MS * 2 ** (this.failures - 1));
      this.retryAt = Date.now() + wait;
      const subject = this.subject();
      wf.log.warn('deadline work failed; state kept as before, retried later', { ...subject, failures: this.failures, retryInMs: wait, error: String(err.cause?.message ?? err.message) });
      // One alert a streak of failures; a write past its bound raised its own where it failed.
      if (this.failures === 1 && !exhausted(err)) await raiseAlert(subject, `${subject.workflowId}:deadline:${this.streak}`, err);
    }
  }
}
