import * as wf from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import type { Activities } from '../activities';

// The retry policy of every activity the workflows call (docs/workflows.md, "Retries and alerts").
// Refusals and data errors never retry: they are the caller's to fix. Everything else (the database or the
// network away) retries with backoff, but only so long: past the bound the move fails, the state stays as it
// was, and an operator is alerted. So no update holds its project's lock (and the timers behind it) for good.

/** Failure types an activity raises that no retry can cure. */
export const NON_RETRYABLE = ['BusinessRule', 'IllegalMove', 'Conflict', 'NotFound', 'DataError'];

/** Ten attempts over about 45 s of backoff. */
export const BOUNDED_RETRY: RetryPolicy = { initialInterval: '200 milliseconds', maximumInterval: '10 seconds', backoffCoefficient: 2, maximumAttempts: 10, nonRetryableErrorTypes: NON_RETRYABLE };

/** A project move holds its project's lock (and the timers queued behind it) for two minutes at most, attempts included. */
export const projectActivities = wf.proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', scheduleToCloseTimeout: '2 minutes', retry: BOUNDED_RETRY });

/**
 * Local activities: the worker that handles the workflow task runs the activity inside it (no scheduled activity, no
 * second workflow task, three fewer history events). Their failures reach the workflow bare (the SDK's core records no
 * ActivityFailureInfo for them, sdk-core#449); each is wrapped here as a scheduled activity's failure would be, with
 * its retry state, so the alerts and the API's mapping (a refusal, or 503 past the bound) see one shape.
 */
export function proxyLocalActivities(options: wf.LocalActivityOptions): ReturnType<typeof wf.proxyLocalActivities<Activities>> {
  const local = wf.proxyLocalActivities<Activities>(options);
  const refusals = options.retry?.nonRetryableErrorTypes ?? [];
  return new Proxy(local, {
    get(target, name) {
      const call = Reflect.get(target, name) as (...args: unknown[]) => Promise<unknown>;
      if (typeof name !== 'string') return call;
      return async (...args: unknown[]) => {
        try {
          return await call(...args);
        } catch (err) {
          throw asActivityFailure(name, refusals, err);
        }
      };
    },
  });
}

/** A local activity's failure as a scheduled activity's: a refusal is not retried, anything else ran out of retries or time. */
export function asActivityFailure(activityType: string, refusals: string[], err: unknown): unknown {
  if (err instanceof wf.ActivityFailure || wf.isCancellation(err)) return err;
  if (err instanceof wf.ApplicationFailure) {
    const refused = err.nonRetryable || refusals.includes(err.type ?? '');
    return new wf.ActivityFailure(err.message, activityType, undefined, refused ? 'NON_RETRYABLE_FAILURE' : 'MAXIMUM_ATTEMPTS_REACHED', undefined, err);
  }
  if (err instanceof wf.TimeoutFailure) return new wf.ActivityFailure(err.message, activityType, undefined, 'TIMEOUT', undefined, err);
  return err;
}

/** A project's event writes, with the bounds of projectActivities, as local activities. */
export const projectLocalActivities = proxyLocalActivities({ startToCloseTimeout: '30 seconds', scheduleToCloseTimeout: '2 minutes', retry: BOUNDED_RETRY });

export const contestActivities = wf.proxyActivities<Activities>({ startToCloseTimeout: '1 minute', scheduleToCloseTimeout: '5 minutes', retry: BOUNDED_RETRY });

/** Moving projects calls one project workflow after another: long, so it heartbeats, and retries longer. */
export const contestMoveActivities = wf.proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2, maximumAttempts: 20, nonRetryableErrorTypes: NON_RETRYABLE },
});

const alerts = wf.proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 20 } });

export interface AlertSubject {
  workflowId: string;
  projectId: string | null;
  contestId: string | null;
}

/** An activity that gave up after its bound (or timed out), as opposed to one that refused. */
export function exhausted(err: unknown): err is wf.ActivityFailure {
  return err instanceof wf.ActivityFailure && (err.retryState === 'MAXIMUM_ATTEMPTS_REACHED' || err.retryState === 'TIMEOUT');
}

/**
 * Runs one activity call; if it fails past its retry bound, writes an operator alert (an admin inbox task,
 * keyed so a replayed alert is one task) before the failure goes on to the caller.
 */
export async function guarded<T>(subject: AlertSubject, key: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    await alertIfExhausted(subject, key, err);
    throw err;
  }
}

/** Writes the operator alert for a failure past its bound; any other failure passes by. Never throws. */
export async function alertIfExhausted(subject: AlertSubject, key: string, err: unknown): Promise<void> {
  if (exhausted(err)) await raiseAlert(subject, key, err);
}

/** Writes the operator alert for an activity's failure (an inbox task for the admins, keyed). Never throws. */
export async function raiseAlert(subject: AlertSubject, key: string, err: wf.ActivityFailure): Promise<void> {
  const error = String(err.cause?.message ?? err.message).slice(0, 500);
  try {
    await alerts.raiseOperatorAlert({ ...subject, key: `alert:${key}`, activity: err.activityType, error, at: new Date().toISOString() });
  } catch (alertErr) {
    wf.log.error('operator alert could not be written', { ...subject, activity: err.activityType, error: String(alertErr) });
  }
}
