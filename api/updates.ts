import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, WorkflowNotFoundError, type UpdateDefinition } from '@temporalio/common';
import { BusinessRuleError, ConflictError, IllegalMoveError, NotFoundError, UnavailableError, says, type Noun } from './errors';
import { isMessageKey, msg, type MessageKey } from '../i18n';

const isNoun = (what: unknown): what is Noun => typeof what === 'string' && isMessageKey(`noun.${what}`);
import type { AppDeps } from './deps';
import type { Refusal } from '../workflows/refusals';

export type UpdateDeps = Pick<AppDeps, 'temporal' | 'db'> & { config?: Pick<AppDeps['config'], 'updateTimeoutMs'>; stopping?: AbortSignal };

export function temporalOf(deps: Pick<AppDeps, 'temporal'>) {
  if (!deps.temporal) throw new UnavailableError(msg('problem.unavailable.no-temporal'));
  return deps.temporal;
}

/**
 * A request does not wait for ever on a move whose worker is down or whose activity keeps failing: after the timeout
 * the call to Temporal is cancelled (the gRPC call, through the client's abort signal) and the request answers 503.
 * The update itself goes on in the workflow; retrying with the same Idempotency-Key (the same update id) returns its
 * result once it is done, and never applies it twice.
 */
export async function awaitUpdate<T>(deps: UpdateDeps, run: () => Promise<T>): Promise<T> {
  const ms = deps.config?.updateTimeoutMs ?? 25_000;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  const stop = () => controller.abort();
  if (deps.stopping?.aborted) stop();
  deps.stopping?.addEventListener('abort', stop);
  try {
    return await temporalOf(deps).client.withAbortSignal(controller.signal, run);
  } catch (err) {
    if (deps.stopping?.aborted) {
      throw new UnavailableError(msg('problem.unavailable.shutting-down'), 5);
    }
    if (controller.signal.aborted) {
      throw new UnavailableError(msg('problem.unavailable.timeout', { seconds: Math.round(ms / 1000) }), 5);
    }
    throw err;
  } finally {
    clearTimeout(timer);
    deps.stopping?.removeEventListener('abort', stop);
  }
}

/**
 * Runs a move on a workflow (a project's stage move, a contest's phase move) and maps what it refuses onto
 * HTTP: an illegal move → 409 naming the current stage or phase, a broken rule → 422 with its fields and
 * whatever the workflow attached, a conflict → 409. A finished workflow takes no more moves (409). With an
 * update id (from the Idempotency-Key) a retried request is the same update, not a second move.
 */
export async function executeWorkflowUpdate<R, A extends object>(
  deps: UpdateDeps,
  target: { workflowId: string; move: string; currentStage: () => Promise<string> },
  update: UpdateDefinition<R, [A]>,
  args: A,
  updateId?: string,
): Promise<R> {
  const handle = temporalOf(deps).client.workflow.getHandle(target.workflowId);
  return runWorkflowUpdate(deps, target, () => handle.executeUpdate(update, { args: [args], ...(updateId ? { updateId } : {}) }));
}

interface DataErrorDetails {
  sqlstate?: string;
  constraint?: string | null;
  column?: string | null;
}

/**
 * What the database refused, said from the catalogue by its SQLSTATE (the database's own English text stays in the
 * log): a duplicate, a missing reference, an exclusion, a check, a missing value, or a malformed value.
 */
export function dataRefusal(d: DataErrorDetails): ReturnType<typeof says> & { key: MessageKey; params: Record<string, string> } {
  const code = d.sqlstate ?? '';
  const constraint = d.constraint ?? '-';
  const kind = code === '23505' ? 'unique' : code === '23503' ? 'foreign-key' : code === '23P01' ? 'exclusion' : code === '23514' ? 'check' : code === '23502' ? 'not-null' : 'value';
  const key = `problem.data-refused.${kind}` as MessageKey;
  const params: Record<string, string> = kind === 'not-null' ? { column: d.column ?? '-' } : kind === 'value' ? {} : { constraint };
  return { ...says(key, params), key, params };
}

/** Awaits an update call (plain, or with start) within the timeout, and maps what the workflow refuses onto HTTP. */
export async function runWorkflowUpdate<R>(deps: UpdateDeps, target: { move: string; currentStage: () => Promise<string> }, call: () => Promise<R>): Promise<R> {
  try {
    return await awaitUpdate(deps, call);
  } catch (err) {
    if (err instanceof UnavailableError) throw err;
    let cause = err instanceof WorkflowUpdateFailedError ? err.cause : err;
    // An activity that failed past its retry bound: the move was not applied and operators are alerted.
    if (cause instanceof ActivityFailure && (cause.retryState === 'MAXIMUM_ATTEMPTS_REACHED' || cause.retryState === 'TIMEOUT')) {
      throw new UnavailableError(msg('problem.unavailable.retries'), 60);
    }
    // A rule an activity enforces under its lock arrives wrapped in the activity's failure.
    while (cause instanceof ActivityFailure && cause.cause) cause = cause.cause;
    if (cause instanceof ApplicationFailure) {
      // The refusal's text travels as a catalogue message (workflows carry keys, never render); see workflows/refusals.ts.
      const { errors, currentStage, message, move: _move, ...extensions } = (cause.details?.[0] ?? {}) as Refusal & Record<string, unknown>;
      if (cause.type === 'IllegalMove') throw new IllegalMoveError(currentStage ?? (await target.currentStage()), target.move, message);
      if (cause.type === 'BusinessRule') throw new BusinessRuleError(errors ?? [{ field: '/body', rule: 'business-rule', message: cause.message }], message, extensions);
      if (cause.type === 'Conflict') throw new ConflictError(message ?? msg('problem.data-refused', { reason: cause.message }), { currentStage: currentStage ?? (await target.currentStage()) });
      // The database refused the data (SQLSTATE class 22 or 23): nothing was written, and retrying cannot help.
      // A row the activity looked for is gone (a contest or entry removed under it): 404 naming what.
      if (cause.type === 'NotFound') throw new NotFoundError(isNoun((cause.details?.[0] as { what?: unknown } | undefined)?.what) ? (cause.details![0] as { what: Noun }).what : 'resource');
      if (cause.type === 'DataError') {
        const refusal = dataRefusal(extensions as DataErrorDetails);
        throw new BusinessRuleError([{ field: '/body', rule: 'data-accepted', ...refusal }], msg(refusal.key, refusal.params), extensions);
      }
    }
    if (err instanceof WorkflowNotFoundError || /already completed|not found/i.test(String((err as Error)?.message))) {
      throw new IllegalMoveError(await target.currentStage(), target.move);
    }
    throw err;
  }
}
